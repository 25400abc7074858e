using Crdt.Core;

namespace Crdt.Relay.Sync;

internal sealed partial class TenantState
{
    /// <summary>The highest log position compacted away (0 when never): a pull from an older cursor bootstraps from state.</summary>
    public long CompactedThrough { get; set; }

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
}
