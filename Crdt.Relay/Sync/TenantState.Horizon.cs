using Crdt.Core;

namespace Crdt.Relay.Sync;

internal sealed partial class TenantState
{
    /// <summary>The stable horizon as a version vector, kept while the horizon stands (see <see cref="StableVectorTracker"/>).</summary>
    public StableVectorTracker StableVector { get; } = new();

    // Per replica, the highest sequence HoldsEveryOp found held from 1 up (guarded by the gate).
    private readonly Dictionary<string, long> _heldThrough = new(StringComparer.Ordinal);

    /// <summary>Whether every op of <paramref name="replica"/> up to <paramref name="through"/> is applied or compacted (see <see cref="DocumentSet.HoldsEveryOp"/>).</summary>
    public bool HoldsEveryOp(string replica, long through)
    {
        lock (_gate)
        {
            // What the tenant holds only grows (ops are applied, or folded into a base, never dropped), so a
            // yes stays a yes: a device acknowledging again with no new ops of its own (every checkpoint it
            // reads) costs a look-up here, not the document set's walk of every compacted base.
            if (_heldThrough.TryGetValue(replica, out var known) && through <= known)
            {
                return true;
            }

            if (!Documents.HoldsEveryOp(new ReplicaId(replica), through))
            {
                return false;
            }

            _heldThrough[replica] = through;
            return true;
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
