using Crdt.Core;

namespace Crdt.Relay.Sync;

internal sealed partial class TenantState
{
    /// <summary>The stable horizon as a version vector, kept while the horizon stands (see <see cref="StableVectorTracker"/>).</summary>
    public StableVectorTracker StableVector { get; } = new();

    /// <summary>Whether every op of <paramref name="replica"/> up to <paramref name="through"/> is applied or compacted (see <see cref="DocumentSet.HoldsEveryOp"/>).</summary>
    public bool HoldsEveryOp(string replica, long through)
    {
        lock (_gate)
        {
            return Documents.HoldsEveryOp(new ReplicaId(replica), through);
        }
    }

    /// <summary>What the documents' compacted bases cover, merged (a new, unfrozen vector).</summary>
    public VersionVector CompactedBasesVector()
    {
        lock (_gate)
        {
            var vector = new VersionVector();
            if (CompactedThrough == 0)
            {
                return vector;
            }
            foreach (var key in Documents.Keys)
            {
                if (Documents.CompactedBaseOf(key) is { } compactedBase)
                {
                    vector.Merge(compactedBase);
                }
            }
            return vector;
        }
    }
}
