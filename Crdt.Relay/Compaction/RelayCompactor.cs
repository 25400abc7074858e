using Crdt.Core;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Compaction;

/// <summary>
/// Compacts a relay's store (README "Bounded history"): per tenant, the stable horizon from the devices'
/// acknowledgements; every document compacted at the horizon (<see cref="DocumentSet.Compact(VersionVector)"/>)
/// and its log ops up to the horizon replaced by its compacted snapshot, one transaction per batch of
/// documents, so a kill at any moment leaves each document either as it was or compacted. The newest op
/// of each replica stays in the log, so sequences (the relay's own among them) continue where they were.
/// The state compacted is either rebuilt from the store as the relay would (a stopped relay,
/// <see cref="CompactTenantAsync"/>) or a running relay's own (<see cref="ICompactionTarget"/>, whose
/// batches run under the tenant's write lock).
/// </summary>
public sealed class RelayCompactor
{
    private const int ReadPage = 5_000;

    private readonly IRelayStore _store;
    private readonly ICompactionStore _compaction;
    private readonly SchemaRegistry _schemas;

    public RelayCompactor(IRelayStore store, SchemaRegistry schemas)
    {
        _store = store;
        _compaction = store as ICompactionStore ?? throw new ArgumentException($"{store.GetType().Name} keeps no compacted bases", nameof(store));
        _schemas = schemas;
    }

    /// <summary>Documents per transaction.</summary>
    public int BatchSize { get; init; } = 200;

    /// <summary>Called after each committed transaction with how many have committed (tests interrupt a run with it).</summary>
    internal Action<int>? AfterBatch { get; init; }

    /// <summary>
    /// How long to wait between raising the compacted-through position and deleting the first op, when
    /// other relay processes share the store: each of them reads the position within a sweep of its log
    /// follower (<see cref="Sync.LogFollower.SweepEvery"/>), so by then none starts a pull below it on
    /// the log; a pull that had started is told to pull again (see OpStreamer).
    /// </summary>
    internal TimeSpan OtherNodesSettle { get; init; } = 3 * Sync.LogFollower.SweepEvery;

    /// <summary>Compacts a tenant of a stopped relay: its state rebuilt from bases and log.</summary>
    public Task<TenantCompaction> CompactTenantAsync(string tenant, CancellationToken cancellationToken = default) =>
        CompactAsync(tenant, new RebuiltState(_schemas), cancellationToken);

    internal async Task<TenantCompaction> CompactAsync(string tenant, ICompactionTarget target, CancellationToken cancellationToken)
    {
        var bytesBefore = await _compaction.GetHistoryBytesAsync(tenant, cancellationToken).ConfigureAwait(false);
        var devices = await _store.ListDevicesAsync(tenant, includeRevoked: true, cancellationToken).ConfigureAwait(false);
        var horizon = StableHorizon.Of(devices, await _compaction.ListAcknowledgementsAsync(tenant, cancellationToken).ConfigureAwait(false),
            await _store.GetHeadAsync(tenant, cancellationToken).ConfigureAwait(false));

        await target.LoadBasesAsync(_compaction, tenant, cancellationToken).ConfigureAwait(false);
        // Per document, its log ops at or below the horizon position: (position, dot).
        var stableOps = new Dictionary<DocumentKey, List<(long Position, Dot Dot)>>();
        var newestOfReplica = new Dictionary<string, (long Seq, long Position)>(StringComparer.Ordinal);
        // Per replica: the highest sequence at or below the horizon position, and the lowest above it.
        var below = new Dictionary<string, long>(StringComparer.Ordinal);
        var above = new Dictionary<string, long>(StringComparer.Ordinal);
        long opsBefore = 0, cursor = 0;
        // Only what the state holds can be compacted: a running relay's may trail the store's head (another node appended).
        var horizonPosition = Math.Min(horizon.Position, target.AppliedHead);
        while (true)
        {
            var page = await _store.ReadLogAsync(tenant, cursor, ReadPage, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var entry in page)
            {
                target.Observe(entry);
                opsBefore++;
                var document = new DocumentKey(entry.Document.Collection, entry.Document.Id);
                if (!newestOfReplica.TryGetValue(entry.Replica, out var newest) || entry.Sequence > newest.Seq)
                {
                    newestOfReplica[entry.Replica] = (entry.Sequence, entry.Position);
                }
                if (entry.Position <= horizonPosition)
                {
                    below[entry.Replica] = Math.Max(below.GetValueOrDefault(entry.Replica), entry.Sequence);
                    (stableOps.TryGetValue(document, out var list) ? list : stableOps[document] = []).Add((entry.Position, new Dot(new ReplicaId(entry.Replica), entry.Sequence)));
                }
                else
                {
                    above[entry.Replica] = Math.Min(above.GetValueOrDefault(entry.Replica, long.MaxValue), entry.Sequence);
                }
            }
            cursor = page[^1].Position;
        }

        var result = new TenantCompaction(tenant, horizon, opsBefore, opsBefore, 0, 0) { BytesBefore = bytesBefore, BytesAfter = bytesBefore };
        if (stableOps.Count == 0)
        {
            return result;
        }

        // The horizon as a version vector: every op at or below the horizon position, cut so that it stays a
        // prefix per replica (a replica's ops reach the log in sequence order; this only guards against one that did not).
        var stable = target.CoveredByBases();
        foreach (var (replica, seq) in below)
        {
            var cut = above.TryGetValue(replica, out var firstAbove) ? Math.Min(seq, firstAbove - 1) : seq;
            stable.Observe(new ReplicaId(replica), cut);
        }

        var keep = newestOfReplica.Values.Select(n => n.Position).ToHashSet();
        var work = new List<(DocumentKey Key, List<long> Leaving)>();
        foreach (var (key, ops) in stableOps.OrderBy(d => d.Key))
        {
            // Only ops the base now holds leave the log (all of them, unless a replica's ops reached it out of order).
            var leaving = ops.Where(o => stable.Covers(o.Dot) && !keep.Contains(o.Position)).Select(o => o.Position).ToList();
            if (leaving.Count > 0)
            {
                work.Add((key, leaving));
            }
        }
        if (work.Count == 0)
        {
            // Compacted before (only ops kept for their replica's sequence are left): nothing to gain.
            return result;
        }

        // Pulls from below the horizon start from snapshots from now on; only then do ops leave the log.
        await _compaction.ReplaceWithBasesAsync(tenant, [], [], horizonPosition, cancellationToken).ConfigureAwait(false);
        target.CompactedThrough(horizonPosition);
        if (_store is ISharedRelayStore)
        {
            await Task.Delay(OtherNodesSettle, cancellationToken).ConfigureAwait(false);
        }

        var recordsBefore = 0;
        var recordsAfter = 0;
        var deleted = 0;
        var batches = 0;
        foreach (var chunk in work.Chunk(BatchSize))
        {
            var delete = chunk.SelectMany(w => w.Leaving).ToList();
            var summary = await target.CompactBatchAsync(chunk.Select(w => w.Key).ToList(), stable, async bases =>
                deleted += await _compaction.ReplaceWithBasesAsync(tenant, bases, delete, horizonPosition, cancellationToken).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
            recordsBefore += summary.RecordsBefore;
            recordsAfter += summary.RecordsAfter;
            AfterBatch?.Invoke(++batches);
        }
        return result with
        {
            OpsAfter = opsBefore - deleted,
            RecordsBefore = recordsBefore,
            RecordsAfter = recordsAfter,
            Documents = work.Count,
            BytesAfter = await _compaction.GetHistoryBytesAsync(tenant, cancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>A stopped relay's tenant, rebuilt from its bases and its log as the relay would at start-up.</summary>
    private sealed class RebuiltState(SchemaRegistry schemas) : ICompactionTarget
    {
        private readonly DocumentSet _documents = new(schemas);
        private readonly Dictionary<DocumentKey, long> _lastPosition = [];

        // Everything the log holds is read into it.
        public long AppliedHead => long.MaxValue;

        public async Task LoadBasesAsync(ICompactionStore store, string tenant, CancellationToken cancellationToken)
        {
            foreach (var record in await store.ReadBasesAsync(tenant, cancellationToken).ConfigureAwait(false))
            {
                _documents.MergeSnapshot(record.Snapshot);
                _lastPosition[new DocumentKey(record.Document.Collection, record.Document.Id)] = record.Position;
            }
        }

        public void Observe(LogEntry entry)
        {
            var op = OpCodec.Decode(entry.Payload);
            _documents.Apply(op);
            _lastPosition[op.Document] = entry.Position;
        }

        public VersionVector CoveredByBases()
        {
            var covered = new VersionVector();
            foreach (var key in _documents.Keys)
            {
                if (_documents.CompactedBaseOf(key) is { } compactedBase)
                {
                    covered.Merge(compactedBase);
                }
            }
            return covered;
        }

        public void CompactedThrough(long position)
        {
        }

        public async Task<CompactionSummary> CompactBatchAsync(IReadOnlyList<DocumentKey> keys, VersionVector stable, Func<IReadOnlyList<BaseRecord>, Task> commit, CancellationToken cancellationToken)
        {
            var summary = new CompactionSummary();
            var bases = new List<BaseRecord>(keys.Count);
            foreach (var key in keys)
            {
                summary = summary.Add(_documents.Compact(key, stable));
                bases.Add(new BaseRecord(new StoreDocumentKey(key.Collection, key.Id), _lastPosition[key], _documents.EncodeSnapshot(key)));
            }
            await commit(bases).ConfigureAwait(false);
            return summary;
        }
    }
}

/// <summary>The state a compaction folds: a stopped relay's rebuilt one, or a running relay's tenant.</summary>
internal interface ICompactionTarget
{
    /// <summary>The highest log position the state holds (the horizon never passes it).</summary>
    long AppliedHead { get; }

    /// <summary>Called once before the log is read.</summary>
    Task LoadBasesAsync(ICompactionStore store, string tenant, CancellationToken cancellationToken);

    /// <summary>Called for every log entry, in log order.</summary>
    void Observe(LogEntry entry);

    /// <summary>What the documents' existing bases already cover (a fresh vector the caller may change).</summary>
    VersionVector CoveredByBases();

    /// <summary>Called once the store says pulls from below <paramref name="position"/> bootstrap, before any op leaves the log.</summary>
    void CompactedThrough(long position);

    /// <summary>Compacts the documents at <paramref name="stable"/> and hands their new bases to <paramref name="commit"/>
    /// (one store transaction), the state unchanged by anything else meanwhile.</summary>
    Task<CompactionSummary> CompactBatchAsync(IReadOnlyList<DocumentKey> keys, VersionVector stable, Func<IReadOnlyList<BaseRecord>, Task> commit, CancellationToken cancellationToken);
}

/// <summary>What compacting one tenant did: log ops before and after, op records held in memory before and after.</summary>
public sealed record TenantCompaction(string Tenant, StableHorizon Horizon, long OpsBefore, long OpsAfter, int RecordsBefore, int RecordsAfter)
{
    /// <summary>Documents given a new base.</summary>
    public int Documents { get; init; }

    /// <summary>Bytes of the tenant's history in the store (op payloads plus bases) before and after.</summary>
    public long BytesBefore { get; init; }

    /// <inheritdoc cref="BytesBefore"/>
    public long BytesAfter { get; init; }
}
