using Microsoft.Extensions.Logging;

namespace Crdt.Relay.Diagnostics;

// Checkpoint events (ids 70-79, apart from the others' so branches adding events do not collide).
internal sealed partial class RelayLog
{
    [LoggerMessage(70, LogLevel.Information, "Tenant {Tenant} restored from its checkpoint at log position {Position}: {Documents} documents in {ElapsedMs} ms ({MergeMs} ms of it merging, the rest reading and decoding on every core); replaying the log after it")]
    public partial void CheckpointRestored(string tenant, long position, int documents, long elapsedMs, long mergeMs);

    [LoggerMessage(71, LogLevel.Warning, "Tenant {Tenant}: checkpoint not used ({Reason}); replaying the whole log instead")]
    public partial void CheckpointUnusable(Exception? exception, string tenant, string reason);

    [LoggerMessage(74, LogLevel.Information, "Tenant {Tenant}: its checkpoint predates the compaction through log position {CompactedThrough}; loading the compacted bases and log instead (the next checkpoint replaces it)")]
    public partial void CheckpointBeforeCompaction(string tenant, long compactedThrough);

    [LoggerMessage(72, LogLevel.Information, "Tenant {Tenant} checkpointed at log position {Position}: {Documents} documents, {Bytes} bytes, in {ElapsedMs} ms")]
    public partial void CheckpointWritten(string tenant, long position, int documents, long bytes, long elapsedMs);

    [LoggerMessage(73, LogLevel.Warning, "Tenant {Tenant}: checkpoint at log position {Position} not written ({Reason})")]
    public partial void CheckpointNotWritten(Exception? exception, string tenant, long position, string reason);
}
