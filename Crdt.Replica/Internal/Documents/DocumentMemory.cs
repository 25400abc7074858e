using Crdt.Core;
using Crdt.Replica.Internal.Storage;

namespace Crdt.Replica.Internal.Documents;

/// <summary>
/// The in-memory documents, loaded from their materialised snapshots on first use, so opening
/// a replica costs a file open, not decoding every document. The file stays the truth: when a
/// commit fails (or documents are dropped), memory is thrown away and reloaded on demand.
/// </summary>
internal sealed class DocumentMemory(ReplicaStore store, SchemaRegistry schemas)
{
    private readonly HashSet<DocumentKey> _loaded = [];
    private readonly HashSet<string> _loadedCollections = new(StringComparer.Ordinal);
    private bool _everythingLoaded;

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
        }
    }

    /// <summary>Loads every document of a collection (or of every collection when null).</summary>
    public void LoadCollection(string? collection)
    {
        if (_everythingLoaded || (collection is not null && _loadedCollections.Contains(collection)))
        {
            return;
        }
        foreach (var stored in store.LoadDocuments(collection))
        {
            if (_loaded.Add(new DocumentKey(stored.Collection, stored.DocId)))
            {
                Set.MergeSnapshot(stored.Snapshot);
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
        return new DocumentChange(new StoredDocument(key.Collection, key.Id, Set.EncodeSnapshot(key), string.Empty), changed ? flags : null);
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
