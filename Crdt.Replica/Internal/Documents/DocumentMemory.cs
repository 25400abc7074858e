using Crdt.Core;
using Crdt.Replica.Internal.Storage;

namespace Crdt.Replica.Internal.Documents;

/// <summary>
/// The in-memory documents, loaded from their materialised snapshots on first use, so opening
/// a replica costs a file open, not decoding every document. The file stays the truth: when a
/// commit fails (or documents are dropped), memory is thrown away and reloaded on demand.
/// </summary>
/// <param name="ownReplica">this device's replica: its own ops may wait in a document's tail</param>
internal sealed class DocumentMemory(ReplicaStore store, SchemaRegistry schemas, ReplicaId ownReplica)
{
    private readonly HashSet<DocumentKey> _loaded = [];
    private readonly HashSet<string> _loadedCollections = new(StringComparer.Ordinal);
    private bool _everythingLoaded;

    // Per loaded document that has a stored row: how many own ops memory holds above its stored
    // snapshot (its tail in the file). No entry: the file has no row for it yet.
    private readonly Dictionary<DocumentKey, int> _tailLengths = [];

    /// <summary>
    /// A local edit re-encodes and writes its document's snapshot once this many own ops wait
    /// above the stored one (or when the document's flags change, or it has no row yet); in
    /// between only the op is written. Bounds what a load replays after a crash; a clean close
    /// writes every waiting snapshot.
    /// </summary>
    public const int SnapshotEveryOps = 32;

    public DocumentSet Set { get; private set; } = new(schemas);

    public SchemaRegistry Schemas => schemas;

    /// <summary>Makes sure the document's persisted state is in <see cref="Set"/>.</summary>
    public void Load(DocumentKey key)
    {
        if (_everythingLoaded || _loadedCollections.Contains(key.Collection) || !_loaded.Add(key))
        {
            return;
        }
        if (store.LoadDocument(key.Collection, key.Id) is { } stored)
        {
            Set.MergeSnapshot(stored.Snapshot);
            var tail = store.TailOps(key.Collection, key.Id);
            foreach (var op in tail)
            {
                Set.Apply(OpCodec.Decode(op));
            }
            _tailLengths[key] = tail.Count;
        }
    }

    /// <summary>Loads every document of a collection (or of every collection when null).</summary>
    public void LoadCollection(string? collection)
    {
        if (_everythingLoaded || (collection is not null && _loadedCollections.Contains(collection)))
        {
            return;
        }
        var loadedNow = new HashSet<DocumentKey>();
        foreach (var stored in store.LoadDocuments(collection))
        {
            var key = new DocumentKey(stored.Collection, stored.DocId);
            if (_loaded.Add(key))
            {
                Set.MergeSnapshot(stored.Snapshot);
                loadedNow.Add(key);
                _tailLengths[key] = 0;
            }
        }
        foreach (var op in store.TailOpsOf(collection))
        {
            var key = new DocumentKey(op.Collection, op.DocId);
            if (loadedNow.Contains(key))
            {
                Set.Apply(OpCodec.Decode(op.Bytes));
                _tailLengths[key]++;
            }
        }
        if (collection is null)
        {
            _everythingLoaded = true;
        }
        else
        {
            _loadedCollections.Add(collection);
        }
    }

    /// <summary>Forgets everything in memory; the next read reloads from the file.</summary>
    public void Reset()
    {
        Set = new DocumentSet(schemas);
        _loaded.Clear();
        _loadedCollections.Clear();
        _everythingLoaded = false;
        _tailLengths.Clear();
    }

    /// <summary>
    /// What to persist for a document after ops were applied to it in memory: the snapshot
    /// (the truth, needed for durability and fast open) and, only when they changed since
    /// <paramref name="flagsBefore"/>, its flag rows. The JSON rendering is not made here: nothing
    /// reads it in the edit's transaction, and rendering it on every edit cost more than the
    /// insert; it is derived from the snapshot when read.
    /// </summary>
    /// <param name="flagsBefore">the document's flag rows before the ops (from <see cref="FlagRowsOf"/>); null: write them regardless</param>
    public DocumentChange Materialise(DocumentKey key, IReadOnlyList<StoredFlag>? flagsBefore = null)
    {
        var flags = FlagRowsOf(key);
        var changed = flagsBefore is null || !flags.SequenceEqual(flagsBefore);
        return Snapshot(key, changed ? flags : null);
    }

    /// <summary>
    /// What to persist for a document after <paramref name="ops"/> local ops were applied to it:
    /// null (the ops alone, their document's snapshot left behind them) while the document has
    /// a stored row, its flags did not change and fewer than <see cref="SnapshotEveryOps"/> own ops
    /// would wait above its snapshot; else the re-encoded snapshot as <see cref="Materialise"/>.
    /// Counts the ops as waiting when it returns null: the caller commits them or resets memory.
    /// </summary>
    public DocumentChange? AfterLocalOps(DocumentKey key, IReadOnlyList<StoredFlag> flagsBefore, int ops)
    {
        var flags = FlagRowsOf(key);
        var flagsChanged = !flags.SequenceEqual(flagsBefore);
        if (!flagsChanged && _tailLengths.TryGetValue(key, out var waiting) && waiting + ops < SnapshotEveryOps)
        {
            _tailLengths[key] = waiting + ops;
            return null;
        }
        return Snapshot(key, flagsChanged ? flags : null);
    }

    /// <summary>Re-encoded snapshots of every loaded document whose own ops wait above its stored snapshot (a close, a backup).</summary>
    public IReadOnlyList<DocumentChange> SnapshotsBehind() =>
        _tailLengths.Where(entry => entry.Value > 0).Select(entry => entry.Key).ToList().Select(key => Snapshot(key, null)).ToList();

    /// <summary>The document's snapshot as memory holds it (every op of the document): nothing waits above it once written.</summary>
    private DocumentChange Snapshot(DocumentKey key, IReadOnlyList<StoredFlag>? flags)
    {
        _tailLengths[key] = 0;
        return new DocumentChange(new StoredDocument(key.Collection, key.Id, Set.EncodeSnapshot(key), string.Empty), flags)
        {
            // Own ops are applied in sequence order here (replayed tails too), so the document's
            // highest own sequence covers every own op of it below.
            SnapshotSeq = Set.HighestSeq(key, ownReplica),
        };
    }

    /// <summary>The document's flag rows as they are now (cheap when it has none, the usual case).</summary>
    public IReadOnlyList<StoredFlag> FlagRowsOf(DocumentKey key)
    {
        var flags = Set.Flags(key);
        return flags.Count == 0 ? [] : flags.Select(FlagRows.From).ToList();
    }

    /// <summary>The JSON rendering of a stored document (merged values, totals, flags), derived from its snapshot.</summary>
    public StoredDocument WithJson(StoredDocument stored)
    {
        if (stored.Json.Length > 0)
        {
            return stored;
        }
        var set = new DocumentSet(schemas);
        set.MergeSnapshot(stored.Snapshot);
        return stored with { Json = set.View(new DocumentKey(stored.Collection, stored.DocId)).ToJson(includeTotalsAndFlags: true) };
    }
}
