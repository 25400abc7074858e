using Crdt.Core;
using Crdt.Relay.Compaction;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Sync;

/// <summary>
/// A running relay's tenant as what a compaction folds (<see cref="RelayCompactor"/>): its state already
/// holds every op up to its head, so nothing is rebuilt. Each batch runs as the tenant's only writer
/// (<see cref="TenantState.WriteExclusiveAsync{T}"/>): the documents are compacted in memory and their bases
/// committed with no push in between, so a base stands for exactly the document's state at its version.
/// Pushes wait for one batch at most, never for the whole compaction, and land above the horizon, whose
/// ops stay in the log.
/// </summary>
internal sealed class RunningCompactionTarget(TenantState tenant) : ICompactionTarget
{
    public long AppliedHead { get; } = tenant.Head;

    public Task LoadBasesAsync(ICompactionStore store, string tenantName, CancellationToken cancellationToken) => Task.CompletedTask;

    public void Observe(LogEntry entry)
    {
    }

    public VersionVector CoveredByBases() => tenant.CoveredByBases();

    public void CompactedThrough(long position) => tenant.RaiseCompactedThrough(position);

    public Task<CompactionSummary> CompactBatchAsync(IReadOnlyList<DocumentKey> keys, VersionVector stable, Func<IReadOnlyList<BaseRecord>, Task> commit, CancellationToken cancellationToken) =>
        tenant.WriteExclusiveAsync(async () =>
        {
            var (bases, summary) = tenant.CompactDocuments(keys, stable);
            await commit(bases).ConfigureAwait(false);
            return summary;
        }, cancellationToken);
}
