using Crdt.Core;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Sync;

internal sealed partial class TenantState
{
    /// <summary>The highest log position compacted away (0 when never): a pull from an older cursor bootstraps from state.</summary>
    public long CompactedThrough { get; set; }

    /// <summary>Raises <see cref="CompactedThrough"/> (never lowers it), under the gate so a pull starting now sees it.</summary>
    public void RaiseCompactedThrough(long position)
    {
        lock (_gate)
        {
            CompactedThrough = Math.Max(CompactedThrough, position);
        }
    }

    /// <summary>
    /// Loads a document's compacted base (at start-up, before the log): the state it stands for, the
    /// position of its last op, and the register facts scopes read, which its ops no longer replay.
    /// Log ops the base already holds are then skipped as duplicates.
    /// </summary>
    public void AdoptBase(DocumentKey key, long position, byte[] snapshot)
    {
        lock (_gate)
        {
            Documents.MergeSnapshot(snapshot);
            _versions[key] = Math.Max(position, _versions.GetValueOrDefault(key));
            _facts[key] = DocumentFacts.FromState(Documents, key);
            if (key.Collection == WorkOrderFields.Collection)
            {
                Reindex(key);
            }
        }
    }

    /// <summary>What the documents' compacted bases cover, merged.</summary>
    public VersionVector CoveredByBases()
    {
        lock (_gate)
        {
            var covered = new VersionVector();
            foreach (var key in Documents.Keys)
            {
                if (Documents.CompactedBaseOf(key) is { } compactedBase)
                {
                    covered.Merge(compactedBase);
                }
            }
            return covered;
        }
    }

    /// <summary>Compacts the documents in memory at <paramref name="stable"/> and returns their new bases, each
    /// at the document's version. Views and flags do not change, so readers see nothing of it.</summary>
    public (List<BaseRecord> Bases, CompactionSummary Summary) CompactDocuments(IReadOnlyList<DocumentKey> keys, VersionVector stable)
    {
        lock (_gate)
        {
            var summary = new CompactionSummary();
            var bases = new List<BaseRecord>(keys.Count);
            foreach (var key in keys)
            {
                summary = summary.Add(Documents.Compact(key, stable));
                bases.Add(new BaseRecord(new StoreDocumentKey(key.Collection, key.Id), VersionOf(key), Documents.EncodeSnapshot(key)));
            }
            return (bases, summary);
        }
    }
}
