using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Sqlite;

namespace Crdt.Relay.Compaction;

/// <summary>
/// Compacts a stopped relay's store (README "Bounded history"): per tenant, the stable horizon from the
/// devices' acknowledgements; the tenant's state rebuilt as the relay would (bases, then the log); every
/// document compacted at the horizon (<see cref="DocumentSet.Compact(VersionVector)"/>) and its log ops up
/// to the horizon replaced by its compacted snapshot, one transaction per batch of documents, so a kill at
/// any moment leaves each document either as it was or compacted. The newest op of each replica stays in
/// the log, so sequences (the relay's own among them) continue where they were.
/// </summary>
public sealed class RelayCompactor(SqliteRelayStore store, SchemaRegistry schemas)
{
    private const int ReadPage = 5_000;

    /// <summary>Documents per transaction.</summary>
    public int BatchSize { get; init; } = 200;

    /// <summary>Called after each committed transaction with how many have committed (tests interrupt a run with it).</summary>
    internal Action<int>? AfterBatch { get; init; }

    public async Task<TenantCompaction> CompactTenantAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var devices = await store.ListDevicesAsync(tenant, includeRevoked: true, cancellationToken).ConfigureAwait(false);
        var horizon = StableHorizon.Of(devices, await store.ListAcknowledgementsAsync(tenant, cancellationToken).ConfigureAwait(false),
            await store.GetHeadAsync(tenant, cancellationToken).ConfigureAwait(false));

        var documents = new DocumentSet(schemas);
        var basePositions = new Dictionary<DocumentKey, long>();
        foreach (var record in await store.ReadBasesAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            documents.MergeSnapshot(record.Snapshot);
            basePositions[new DocumentKey(record.Document.Collection, record.Document.Id)] = record.Position;
        }
        var lastPosition = new Dictionary<DocumentKey, long>(basePositions);
        // Per document, its log ops at or below the horizon position: (position, dot).
        var stableOps = new Dictionary<DocumentKey, List<(long Position, Dot Dot)>>();
        var newestOfReplica = new Dictionary<string, (long Seq, long Position)>(StringComparer.Ordinal);
        // Per replica: the highest sequence at or below the horizon position, and the lowest above it.
        var below = new Dictionary<string, long>(StringComparer.Ordinal);
        var above = new Dictionary<string, long>(StringComparer.Ordinal);
        long opsBefore = 0, cursor = 0;
        while (true)
        {
            var page = await store.ReadLogAsync(tenant, cursor, ReadPage, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var entry in page)
            {
                opsBefore++;
                var op = OpCodec.Decode(entry.Payload);
                documents.Apply(op);
                lastPosition[op.Document] = entry.Position;
                if (!newestOfReplica.TryGetValue(entry.Replica, out var newest) || entry.Sequence > newest.Seq)
                {
                    newestOfReplica[entry.Replica] = (entry.Sequence, entry.Position);
                }
                if (entry.Position <= horizon.Position)
                {
                    below[entry.Replica] = Math.Max(below.GetValueOrDefault(entry.Replica), entry.Sequence);
                    (stableOps.TryGetValue(op.Document, out var list) ? list : stableOps[op.Document] = []).Add((entry.Position, op.Dot));
                }
                else
                {
                    above[entry.Replica] = Math.Min(above.GetValueOrDefault(entry.Replica, long.MaxValue), entry.Sequence);
                }
            }
            cursor = page[^1].Position;
        }

        var result = new TenantCompaction(tenant, horizon, opsBefore, opsBefore, 0, 0);
        if (stableOps.Count == 0)
        {
            return result;
        }

        // The horizon as a version vector: every op at or below the horizon position, cut so that it stays a
        // prefix per replica (a replica's ops reach the log in sequence order; this only guards against one that did not).
        var stable = new VersionVector();
        foreach (var key in documents.Keys)
        {
            if (documents.CompactedBaseOf(key) is { } compactedBase)
            {
                stable.Merge(compactedBase);
            }
        }
        foreach (var (replica, seq) in below)
        {
            var cut = above.TryGetValue(replica, out var firstAbove) ? Math.Min(seq, firstAbove - 1) : seq;
            stable.Observe(new ReplicaId(replica), cut);
        }

        var keep = newestOfReplica.Values.Select(n => n.Position).ToHashSet();
        var recordsBefore = 0;
        var recordsAfter = 0;
        var deleted = 0;
        var batches = 0;
        var batch = new List<BaseRecord>(BatchSize);
        var delete = new List<long>();
        async Task CommitAsync()
        {
            deleted += await store.ReplaceWithBasesAsync(tenant, batch, delete, horizon.Position, cancellationToken).ConfigureAwait(false);
            batch.Clear();
            delete.Clear();
            AfterBatch?.Invoke(++batches);
        }
        var compactedDocuments = 0;
        foreach (var (key, ops) in stableOps.OrderBy(d => d.Key))
        {
            // Only ops the base now holds leave the log (all of them, unless a replica's ops reached it out of order).
            var leaving = ops.Where(o => stable.Covers(o.Dot) && !keep.Contains(o.Position)).Select(o => o.Position).ToList();
            if (leaving.Count == 0)
            {
                // Compacted before (only ops kept for their replica's sequence are left): nothing to gain.
                continue;
            }
            compactedDocuments++;
            var summary = documents.Compact(key, stable);
            recordsBefore += summary.RecordsBefore;
            recordsAfter += summary.RecordsAfter;
            batch.Add(new BaseRecord(new StoreDocumentKey(key.Collection, key.Id), lastPosition[key], documents.EncodeSnapshot(key)));
            delete.AddRange(leaving);
            if (batch.Count >= BatchSize)
            {
                await CommitAsync().ConfigureAwait(false);
            }
        }
        if (batch.Count > 0)
        {
            await CommitAsync().ConfigureAwait(false);
        }
        return result with { OpsAfter = opsBefore - deleted, RecordsBefore = recordsBefore, RecordsAfter = recordsAfter, Documents = compactedDocuments };
    }
}

/// <summary>What compacting one tenant did: log ops before and after, op records held in memory before and after.</summary>
public sealed record TenantCompaction(string Tenant, StableHorizon Horizon, long OpsBefore, long OpsAfter, int RecordsBefore, int RecordsAfter)
{
    /// <summary>Documents given a new base.</summary>
    public int Documents { get; init; }
}
