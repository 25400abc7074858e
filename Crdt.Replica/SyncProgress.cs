namespace Crdt.Replica;

/// <summary>How far a sync got: ops and bytes each way, and how many local changes still wait to be sent.</summary>
public sealed record SyncProgress(long OpsSent, long BytesSent, long OpsReceived, long BytesReceived, long Pending)
{
    public static SyncProgress None { get; } = new(0, 0, 0, 0, 0);
}
