using Crdt.Core;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Sync;

/// <summary>
/// Checkpoints of the tenant's state (README "Start-up on a long history"): what a writer encodes,
/// slice by slice under the gate, and what start-up adopts before replaying the log after it.
/// </summary>
internal sealed partial class TenantState
{
    /// <summary>Where a checkpoint begins: the log head (every op up to it is applied), the compacted-through
    /// position, the relay's next own sequence, and the documents held now. Documents created later reach the next checkpoint.</summary>
    public (long Head, long CompactedThrough, long NextRelaySequence, DocumentKey[] Keys) CheckpointStart()
    {
        lock (_gate)
        {
            return (Head, CompactedThrough, NextRelaySequence, [.. Documents.Keys]);
        }
    }

    /// <summary>
    /// Encodes some documents for a checkpoint (under the gate, a slice at a time so writers are not held
    /// up long). A document may hold ops newer than the checkpoint's head: harmless, because replaying
    /// those ops again changes nothing (ops are idempotent).
    /// </summary>
    public List<CheckpointDocument> EncodeForCheckpoint(ReadOnlySpan<DocumentKey> keys)
    {
        var encoded = new List<CheckpointDocument>(keys.Length);
        lock (_gate)
        {
            foreach (var key in keys)
            {
                var body = CheckpointCodec.EncodeDocument(VersionOf(key), _everAssigned.TryGetValue(key, out var names) ? names : [], Documents.EncodeSnapshot(key));
                encoded.Add(new CheckpointDocument(new StoreDocumentKey(key.Collection, key.Id), body));
            }
        }
        return encoded;
    }

    /// <summary>
    /// Adopts one document of a checkpoint at start-up (before the log after it is replayed): its state,
    /// version, the technicians it was ever assigned to, and the register facts scopes read, derived
    /// from the state as replaying its ops would have made them.
    /// </summary>
    public void AdoptCheckpointDocument(DocumentKey key, long version, IReadOnlyList<string> everAssigned, PreparedSnapshot snapshot)
    {
        lock (_gate)
        {
            Documents.MergeSnapshot(snapshot);
            _versions[key] = Math.Max(version, _versions.GetValueOrDefault(key));
            _facts[key] = DocumentFacts.FromState(Documents, key);
            if (everAssigned.Count > 0)
            {
                var names = _everAssigned.TryGetValue(key, out var held) ? held : _everAssigned[key] = new(StringComparer.Ordinal);
                names.UnionWith(everAssigned);
            }
            if (key.Collection == WorkOrderFields.Collection)
            {
                Reindex(key);
            }
        }
    }

    /// <summary>Adopts the checkpoint's log position (the head the replay starts after) and what the
    /// relay's own replica had stamped: past the stored next sequence when the checkpoint is this relay's,
    /// and past every op of this relay's replica the documents hold.</summary>
    public void AdoptCheckpointHead(long head, long compactedThrough, long? nextRelaySequence)
    {
        lock (_gate)
        {
            Latest = new CommitNode(head, []);
            CompactedThrough = compactedThrough;
            NextRelaySequence = Math.Max(Math.Max(NextRelaySequence, nextRelaySequence ?? 1), Documents.Maxima().Get(relay) + 1);
        }
    }
}
