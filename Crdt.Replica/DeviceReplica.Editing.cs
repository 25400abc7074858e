using Crdt.Core;
using Crdt.Replica.Internal.Storage;

namespace Crdt.Replica;

public sealed partial class DeviceReplica
{
    /// <summary>Starts creating a document (the id is generated when null). Save it with <see cref="DocumentEdit.SaveAsync"/>.</summary>
    public DocumentEdit Create(string collection, string? id = null) =>
        new(this, new DocumentKey(collection, id ?? Guid.NewGuid().ToString("N")[..12]), creates: true);

    /// <summary>Starts editing an existing document.</summary>
    public DocumentEdit Edit(string collection, string id) => new(this, new DocumentKey(collection, id), creates: false);

    /// <summary>Starts editing an existing work order.</summary>
    public DocumentEdit EditWorkOrder(string id) => Edit(WorkOrderFields.Collection, id);

    /// <summary>
    /// Saves several edits in one transaction (all or none), e.g. a form that touches several
    /// documents, or a bulk import. Each is validated against the state the earlier ones left.
    /// </summary>
    public async Task<IReadOnlyList<DocumentView>> SaveAllAsync(IReadOnlyList<DocumentEdit> edits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(edits);
        if (edits.Count == 0)
        {
            return [];
        }
        var (views, newFlags) = await LockedAsync(() =>
        {
            var author = _currentUser ?? string.Empty;
            var wall = WallMs;
            var batch = new List<(DocumentKey, Func<LocalEditor, Op>)>(edits.Count);
            foreach (var edit in edits)
            {
                batch.Add((edit.Key, e => edit.Creates
                    ? e.Create(edit.Key, author, wall, edit.Mutations)
                    : e.Edit(edit.Key, author, wall, edit.Mutations)));
            }
            return CommitLocal(batch);
        }, cancellationToken).ConfigureAwait(false);
        AfterLocalCommit(views.Count == 1 ? [views[0].Key] : views.Select(v => v.Key).Distinct().ToList(), newFlags);
        return views;
    }

    /// <summary>
    /// Makes the ops (validated and applied in memory by the editor), then persists op log,
    /// outbox and (when due) the documents' snapshots in one transaction. Any failure leaves the file as it
    /// was and memory reloaded from it. Caller holds the lock.
    /// </summary>
    private (IReadOnlyList<DocumentView> Views, IReadOnlyList<Flag> NewFlags) CommitLocal(IReadOnlyList<(DocumentKey Key, Func<LocalEditor, Op> Make)> edits,
        Action<Microsoft.Data.Sqlite.SqliteTransaction?>? alsoInTransaction = null)
    {
        // Plain loops and arrays rather than LINQ: most saves are one edit of one document, and
        // the enumerators, sets and dictionaries were a quarter of what a single edit allocated.
        var (keys, opsPerKey) = DocumentsOf(edits);
        var flagsBefore = new IReadOnlyList<Flag>[keys.Count];
        var rowsBefore = new IReadOnlyList<StoredFlag>[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            _memory.Load(keys[i]);
            flagsBefore[i] = _memory.Set.Flags(keys[i]);
            rowsBefore[i] = _memory.FlagRowsOf(keys[i]);
        }
        var ops = new List<Op>(edits.Count);
        try
        {
            foreach (var (_, make) in edits)
            {
                ops.Add(make(_editor));
            }
            // A document's snapshot is re-encoded only every so many ops (DocumentMemory.AfterLocalOps);
            // in between its ops in the log are its tail, replayed on load.
            List<DocumentChange>? changes = null;
            for (var i = 0; i < keys.Count; i++)
            {
                if (_memory.AfterLocalOps(keys[i], rowsBefore[i], opsPerKey[i]) is { } change)
                {
                    (changes ??= []).Add(change);
                }
            }
            var stored = new StoredOp[ops.Count];
            for (var i = 0; i < ops.Count; i++)
            {
                stored[i] = ToStored(ops[i]);
            }
            _store.CommitLocalEdits(stored, _currentUser ?? string.Empty, (IReadOnlyList<DocumentChange>?)changes ?? [], alsoInTransaction);
        }
        catch
        {
            // The editor changes nothing for a refused op, but earlier ops of the batch were applied.
            if (ops.Count > 0)
            {
                ResetMemory();
            }
            throw;
        }
        var views = new DocumentView[edits.Count];
        for (var i = 0; i < views.Length; i++)
        {
            views[i] = _memory.Set.View(edits[i].Key);
        }
        return (views, NewFlags(keys, flagsBefore));
    }

    /// <summary>The documents a batch edits, in the order first edited, with how many of its edits each has.</summary>
    private static (List<DocumentKey> Keys, List<int> Edits) DocumentsOf(IReadOnlyList<(DocumentKey Key, Func<LocalEditor, Op> Make)> edits)
    {
        var keys = new List<DocumentKey>(Math.Min(edits.Count, 16));
        var counts = new List<int>(keys.Capacity);
        // A bulk import edits many documents: look them up by hash there, not by scanning the list.
        var index = edits.Count > 16 ? new Dictionary<DocumentKey, int>(edits.Count) : null;
        foreach (var (key, _) in edits)
        {
            var at = index is null ? keys.IndexOf(key) : index.GetValueOrDefault(key, -1);
            if (at >= 0)
            {
                counts[at]++;
                continue;
            }
            index?.Add(key, keys.Count);
            keys.Add(key);
            counts.Add(1);
        }
        return (keys, counts);
    }

    private void AfterLocalCommit(IReadOnlyList<DocumentKey> keys, IReadOnlyList<Flag> newFlags)
    {
        var pending = PendingCount;
        _sync.OnLocalEdit(pending);
        if (DocumentsChanged is { } changed)
        {
            Raise(changed, new DocumentsChangedEventArgs(keys, fromRelay: false));
        }
        if (newFlags.Count > 0)
        {
            Raise(FlagsRaised, new FlagsRaisedEventArgs(newFlags));
        }
        _sync.Wake();
    }

    /// <summary>The documents' flags now whose ids none of them had before (<paramref name="before"/>, per document).</summary>
    private IReadOnlyList<Flag> NewFlags(List<DocumentKey> keys, IReadOnlyList<Flag>[] before)
    {
        HashSet<string>? known = null;
        List<Flag>? raised = null;
        for (var i = 0; i < keys.Count; i++)
        {
            foreach (var flag in _memory.Set.Flags(keys[i]))
            {
                known ??= before.SelectMany(flags => flags).Select(flag => flag.Id).ToHashSet(StringComparer.Ordinal);
                if (!known.Contains(flag.Id))
                {
                    (raised ??= []).Add(flag);
                }
            }
        }
        return (IReadOnlyList<Flag>?)raised ?? [];
    }

    private HashSet<string> FlagIds(IEnumerable<DocumentKey> keys) =>
        keys.SelectMany(key => _memory.Set.Flags(key)).Select(flag => flag.Id).ToHashSet(StringComparer.Ordinal);

    private List<Flag> NewFlags(IEnumerable<DocumentKey> keys, HashSet<string> before) =>
        keys.SelectMany(key => _memory.Set.Flags(key)).Where(flag => !before.Contains(flag.Id)).ToList();

    private static StoredOp ToStored(Op op) =>
        new(op.Dot.Replica.Value, op.Dot.Seq, op.Document.Collection, op.Document.Id, OpCodec.Encode(op));
}
