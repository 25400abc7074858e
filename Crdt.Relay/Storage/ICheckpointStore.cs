namespace Crdt.Relay.Storage;

/// <summary>
/// Checkpoints of a tenant's merged state (README "Start-up on a long history"), so a relay starts
/// from the last checkpoint and replays only the log after it instead of the whole history. A
/// separate contract from <see cref="IRelayStore"/>: a backend without it still works (and replays).
/// </summary>
/// <remarks>
/// A checkpoint is written as a generation: its documents are stored in parts under a fresh
/// generation id, invisible to readers, then <see cref="PublishCheckpointAsync"/> makes that
/// generation the tenant's checkpoint in one transaction and drops every other generation. With
/// several nodes on one database any node may publish; a publish whose parts were dropped meanwhile
/// (another node published in between) is refused, so a reader always gets one whole generation.
/// The bodies are opaque to the store (the relay encodes and checks them).
/// </remarks>
public interface ICheckpointStore
{
    /// <summary>Stores documents of a checkpoint that is not yet published (replacing a document already stored under that generation).</summary>
    Task WriteCheckpointPartAsync(string tenant, string generation, IReadOnlyList<CheckpointDocument> documents, CancellationToken cancellationToken = default);

    /// <summary>
    /// In one transaction: when exactly <see cref="CheckpointHeader.Documents"/> documents are stored
    /// under the header's generation, makes it the tenant's checkpoint and deletes every other
    /// generation of the tenant, returning true; otherwise changes nothing and returns false.
    /// </summary>
    Task<bool> PublishCheckpointAsync(string tenant, CheckpointHeader header, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the tenant's published checkpoint in one consistent snapshot: hands every document to
    /// <paramref name="onDocument"/> (in no particular order) and returns the header, or returns null
    /// (calling nothing) when the tenant has none.
    /// </summary>
    Task<CheckpointHeader?> ReadCheckpointAsync(string tenant, Action<CheckpointDocument> onDocument, CancellationToken cancellationToken = default);

    /// <summary>Deletes the tenant's checkpoint, every generation (the relay then replays its log).</summary>
    Task DeleteCheckpointAsync(string tenant, CancellationToken cancellationToken = default);
}

/// <summary>
/// A published checkpoint: its <paramref name="Generation"/>, the log position it holds every op up to
/// (<paramref name="ReplayFrom"/>: start-up replays the log after it), the tenant's compacted-through
/// position when it was made (a checkpoint from before a compaction is not used), how many documents
/// it holds, the writer's own small state (opaque to the store) and when it was written.
/// </summary>
public sealed record CheckpointHeader(string Generation, long ReplayFrom, long CompactedThrough, int Documents, byte[] WriterState, DateTimeOffset WrittenAt);

/// <summary>One document of a checkpoint: its key and its encoded body (state, version, checksum).</summary>
public sealed record CheckpointDocument(StoreDocumentKey Document, byte[] Body);
