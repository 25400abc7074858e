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
            return CommitLocal(edits.Select(edit => (edit.Key, (Func<LocalEditor, Op>)(e => edit.Creates
                ? e.Create(edit.Key, author, wall, edit.Mutations)
                : e.Edit(edit.Key, author, wall, edit.Mutations)))).ToList());
        }, cancellationToken).ConfigureAwait(false);
        AfterLocalCommit(views.Select(v => v.Key).Distinct().ToList(), newFlags);
        return views;
    }

    /// <summary>
    /// Makes the ops (validated and applied in memory by the editor), then persists op log,
    /// outbox and (when due) the documents' snapshots in one transaction. Any failure leaves the file as it
    /// was and memory reloaded from it. Caller holds the lock.
    /// </summary>
    private (IReadOnlyList<DocumentView> Views, IReadOnlyList<Flag> NewFlags) CommitLocal(IReadOnlyList<(DocumentKey Key, Func<LocalEditor, Op> Make)> edits,
        Action<Microsoft.Data.Sqlite.SqliteTransaction>? alsoInTransaction = null)
    {
        var keys = edits.Select(edit => edit.Key).Distinct().ToList();
        foreach (var key in keys)
        {
            _memory.Load(key);
        }
        var flagsBefore = FlagIds(keys);
        var rowsBefore = keys.ToDictionary(key => key, _memory.FlagRowsOf);
        var ops = new List<Op>(edits.Count);
        try
        {
            foreach (var (_, make) in edits)
            {
                ops.Add(make(_editor));
            }
            // A document's snapshot is re-encoded only every so many ops (DocumentMemory.AfterLocalOps);
            // in between its ops in the log are its tail, replayed on load.
            var opsPerKey = edits.CountBy(edit => edit.Key).ToDictionary();
            var changes = keys
                .Select(key => _memory.AfterLocalOps(key, rowsBefore[key], opsPerKey[key]))
                .OfType<DocumentChange>().ToList();
            _store.CommitLocalEdits(ops.Select(ToStored).ToList(), _currentUser ?? string.Empty, changes, alsoInTransaction);
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
        var views = edits.Select(edit => _memory.Set.View(edit.Key)).ToList();
        return (views, NewFlags(keys, flagsBefore));
    }

    private void AfterLocalCommit(IReadOnlyList<DocumentKey> keys, IReadOnlyList<Flag> newFlags)
    {
        var pending = PendingCount;
        _sync.OnLocalEdit(pending);
        Raise(DocumentsChanged, new DocumentsChangedEventArgs(keys, fromRelay: false));
        if (newFlags.Count > 0)
        {
            Raise(FlagsRaised, new FlagsRaisedEventArgs(newFlags));
        }
        _sync.Wake();
    }

    private HashSet<string> FlagIds(IEnumerable<DocumentKey> keys) =>
        keys.SelectMany(key => _memory.Set.Flags(key)).Select(flag => flag.Id).ToHashSet(StringComparer.Ordinal);

    private List<Flag> NewFlags(IEnumerable<DocumentKey> keys, HashSet<string> before) =>
        keys.SelectMany(key => _memory.Set.Flags(key)).Where(flag => !before.Contains(flag.Id)).ToList();

    private static StoredOp ToStored(Op op) =>
        new(op.Dot.Replica.Value, op.Dot.Seq, op.Document.Collection, op.Document.Id, OpCodec.Encode(op));
}
