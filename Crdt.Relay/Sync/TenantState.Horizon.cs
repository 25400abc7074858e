using Crdt.Core;

namespace Crdt.Relay.Sync;

internal sealed partial class TenantState
{
    /// <summary>The stable horizon as a version vector, kept while the horizon stands (see <see cref="StableVectorTracker"/>).</summary>
    public StableVectorTracker StableVector { get; } = new();

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
