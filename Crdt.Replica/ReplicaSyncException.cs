namespace Crdt.Replica;

/// <summary>
/// A sync did not complete: the relay was unreachable, refused the credentials, or refused or
/// sent something invalid. Nothing local was lost; pending changes stay in the outbox.
/// </summary>
public sealed class ReplicaSyncException : Exception
{
    public ReplicaSyncException(string message, long pending, bool unreachable, Exception? inner = null)
        : base($"{message} ({pending} change{(pending == 1 ? "" : "s")} pending)", inner)
    {
        Pending = pending;
        Unreachable = unreachable;
    }

    /// <summary>Changes made here that still wait for the relay.</summary>
    public long Pending { get; }

    /// <summary>True when the relay could not be reached (retrying later may help).</summary>
    public bool Unreachable { get; }
}
