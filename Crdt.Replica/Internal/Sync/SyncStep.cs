namespace Crdt.Replica.Internal.Sync;

/// <summary>What the sync engine wants done next; the driver does the I/O and reports back.</summary>
internal abstract record SyncStep
{
    /// <summary>Nothing to do (no credentials, WorkOffline, or all caught up without a live stream).</summary>
    public sealed record Idle(string Reason) : SyncStep;

    /// <summary>The relay was unreachable: try again at <paramref name="RetryAt"/>.</summary>
    public sealed record Wait(DateTimeOffset RetryAt) : SyncStep;

    /// <summary>Send the next outbox batch of the edits <paramref name="UserName"/> made.</summary>
    public sealed record Push(string UserName) : SyncStep;

    /// <summary>Ask the relay for ops after our cursor.</summary>
    public sealed record Pull : SyncStep;

    /// <summary>Caught up: hold the live stream open and apply ops as they land.</summary>
    public sealed record Listen : SyncStep;
}
