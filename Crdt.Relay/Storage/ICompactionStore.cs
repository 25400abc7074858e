namespace Crdt.Relay.Storage;

/// <summary>
/// What a relay store keeps for bounded history (README "Bounded history"): each device's
/// acknowledgement, and per document the compacted base that replaces the log's stable ops.
/// A separate contract from <see cref="IRelayStore"/>, so a backend without it still works (and
/// never compacts).
/// </summary>
public interface ICompactionStore
{
    /// <summary>
    /// Records that <paramref name="device"/> holds everything of its scope up to log position
    /// <paramref name="position"/>, having made its replica's ops up to <paramref name="madeThrough"/>.
    /// Positions only advance: an older position is ignored (except that the declared made-through is
    /// kept with the position it came with). <see cref="AckRecord.Since"/> is when the position last advanced.
    /// </summary>
    Task RecordAcknowledgementAsync(string tenant, string device, long position, string replica, long madeThrough, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The tenant's acknowledgements, one per device that ever acknowledged.</summary>
    Task<IReadOnlyList<AckRecord>> ListAcknowledgementsAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>The tenant's compacted document bases, in no particular order.</summary>
    Task<IReadOnlyList<BaseRecord>> ReadBasesAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>
    /// In one transaction: stores (replacing) the bases of a batch of documents, deletes the log ops at
    /// <paramref name="deletePositions"/> (ops those bases hold) and raises the tenant's compacted-through
    /// position to <paramref name="compactedThrough"/>. A crash leaves every document of the batch either as
    /// before or compacted, never half. A base never replaces one of a later position (two compactions
    /// racing, on two relay processes, keep the newer base). Returns how many log ops were deleted.
    /// </summary>
    Task<int> ReplaceWithBasesAsync(string tenant, IReadOnlyList<BaseRecord> bases, IReadOnlyCollection<long> deletePositions, long compactedThrough, CancellationToken cancellationToken = default);

    /// <summary>The highest log position the tenant was compacted through (0 when never): a pull from an older cursor must bootstrap.</summary>
    Task<long> GetCompactedThroughAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>The bytes the tenant's history takes: its log ops' payloads plus its compacted bases' snapshots.</summary>
    Task<long> GetHistoryBytesAsync(string tenant, CancellationToken cancellationToken = default);
}

/// <summary>A device's acknowledgement: the log position it holds everything up to, what it had made then, and since when the position stands.</summary>
public sealed record AckRecord(string Device, long Position, string Replica, long MadeThrough, DateTimeOffset Since);

/// <summary>A document's compacted base: its <c>DocumentSnapshot</c> bytes and the log position of its last op.</summary>
public sealed record BaseRecord(StoreDocumentKey Document, long Position, byte[] Snapshot);
