using Crdt.Core;

namespace Crdt.Replica;

public sealed partial class DeviceReplica
{
    /// <summary>The schemas this replica validates edits against.</summary>
    public SchemaRegistry Schemas => _memory.Schemas;

    /// <summary>A document's merged state, or null when this device does not hold it.</summary>
    public DocumentView? Get(DocumentKey key) => Locked(() =>
    {
        _memory.Load(key);
        return _memory.Set.Get(key);
    });

    /// <summary>A document of any collection by collection name and id.</summary>
    public DocumentView? Get(string collection, string id) => Get(new DocumentKey(collection, id));

    /// <summary>A work order with typed access to its built-in fields, or null when not held.</summary>
    public WorkOrder? GetWorkOrder(string id) =>
        Get(new DocumentKey(WorkOrderFields.Collection, id)) is { } view ? new WorkOrder(view) : null;

    /// <summary>
    /// The documents of a collection (deleted ones left out unless asked for), ordered by id,
    /// optionally filtered. Loads the collection into memory on first use.
    /// </summary>
    public IReadOnlyList<DocumentView> Query(string collection, Func<DocumentView, bool>? where = null, bool includeDeleted = false) => Locked(() =>
    {
        _memory.LoadCollection(collection);
        return _memory.Set.Keys
            .Where(key => key.Collection == collection)
            .OrderBy(key => key.Id, StringComparer.Ordinal)
            .Select(key => _memory.Set.View(key))
            .Where(view => (includeDeleted || !view.IsDeleted) && (where is null || where(view)))
            .ToList();
    });

    /// <summary>The work orders held here (the agenda once checked out), optionally filtered.</summary>
    public IReadOnlyList<WorkOrder> WorkOrders(Func<WorkOrder, bool>? where = null) =>
        Query(WorkOrderFields.Collection).Select(view => new WorkOrder(view)).Where(order => where is null || where(order)).ToList();

    /// <summary>How many documents the file holds, per collection, without loading them.</summary>
    public IReadOnlyDictionary<string, int> DocumentCounts() => Locked(() =>
        _store.DocumentKeys().GroupBy(key => key.Collection).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));

    /// <summary>
    /// Marks a document the user opened as pinned: it stays available offline, and (for
    /// documents that do not follow assignment, such as a customer or an asset) the relay is
    /// asked at the next sync to keep it in this device's scope.
    /// </summary>
    public Task PinAsync(DocumentKey key, CancellationToken cancellationToken = default) =>
        LockedAsync(() =>
        {
            _store.Pin(key.Collection, key.Id);
            return true;
        }, cancellationToken);

    /// <summary>The documents pinned on this device.</summary>
    public IReadOnlyList<DocumentKey> Pinned() =>
        Locked(() => _store.Pinned().Select(pin => new DocumentKey(pin.Collection, pin.DocId)).ToList());
}
