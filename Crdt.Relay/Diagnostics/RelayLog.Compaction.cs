using Microsoft.Extensions.Logging;

namespace Crdt.Relay.Diagnostics;

// Compaction events (ids 60-69, apart from the other features' so branches adding events do not collide).
internal sealed partial class RelayLog
{
    [LoggerMessage(60, LogLevel.Information, "Tenant {Tenant} compacted through log position {Horizon}: ops {OpsBefore} -> {OpsAfter}, " +
        "history bytes {BytesBefore} -> {BytesAfter}, {Documents} document base(s); held back by {HeldBackBy}")]
    public partial void Compacted(string tenant, long horizon, long opsBefore, long opsAfter, long bytesBefore, long bytesAfter, int documents, string heldBackBy);

    [LoggerMessage(61, LogLevel.Error, "Scheduled compaction of tenant {Tenant} failed; tried again at the next interval")]
    public partial void CompactionFailed(Exception exception, string tenant);
}
