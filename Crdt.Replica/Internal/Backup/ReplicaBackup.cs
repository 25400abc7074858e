using Crdt.Replica.Internal.Storage;

namespace Crdt.Replica.Internal.Backup;

/// <summary>
/// Everything a backup restores: the materialised documents (snapshots hold state that came
/// from the relay as compacted snapshots, not as ops), every op in the log, which ops were
/// still pending and who made them, and the pinned documents. Tokens are deliberately not in it: a backup file must not let its
/// finder sync as someone; the user signs in again after a restore.
/// </summary>
internal sealed record ReplicaBackup(
    string DeviceId,
    DateTimeOffset CreatedAt,
    IReadOnlyList<StoredDocument> Documents,
    IReadOnlyList<StoredOp> Ops,
    IReadOnlyList<PendingDot> Pending,
    IReadOnlyList<(string Collection, string DocId)> Pins);
