using Crdt.Core;

namespace Crdt.Relay.Tests.Support;

/// <summary>A replica's editing side for tests: a LocalEditor over its own DocumentSet, so the ops
/// pushed are exactly what a real device makes (valid dots, contexts, clocks).</summary>
public sealed class Device(string replica, string author)
{
    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public LocalEditor Editor { get; } = new(new ReplicaId(replica), new DocumentSet(SchemaRegistry.CreateDefault()));

    public string Author { get; } = author;

    public DocumentSet Documents => Editor.Documents;

    public static DocumentKey Order(string id) => new(WorkOrderFields.Collection, id);

    public static DocumentKey Customer(string id) => new(CustomerFields.Collection, id);

    public static DocumentKey Asset(string id) => new(AssetFields.Collection, id);

    public static DocumentKey Part(string id) => new(PartFields.Collection, id);

    public Op CreateOrder(string id, string assignee, string? customer = null, string? asset = null, string title = "Fix the pump") =>
        Editor.Create(Order(id), Author, Now, m =>
        {
            m.Set(WorkOrderFields.Title, title).Set(WorkOrderFields.Status, WorkOrderStatus.Open).Set(WorkOrderFields.Assignee, assignee);
            if (customer is not null) m.Set(WorkOrderFields.Customer, Customer(customer));
            if (asset is not null) m.Set(WorkOrderFields.Asset, Asset(asset));
        });

    public Op CreateCustomer(string id, string name = "Acme Ltd") =>
        Editor.Create(Customer(id), Author, Now, m => m.Set(CustomerFields.Name, name));

    public Op CreateAsset(string id, string name = "Pump 7") =>
        Editor.Create(Asset(id), Author, Now, m => m.Set(AssetFields.Name, name));

    public Op CreatePart(string id) =>
        Editor.Create(Part(id), Author, Now, m => m.Set(PartFields.Sku, "SKU-" + id).Set(PartFields.Name, "Part " + id));

    public Op Set(DocumentKey key, string field, FieldValue value) => Editor.Edit(key, Author, Now, m => m.Set(field, value));

    public Op AddHours(string orderId, string entryId, decimal hours) =>
        Editor.Edit(Order(orderId), Author, Now, m => m.Add(WorkOrderFields.TimeEntries, entryId, (TimeEntryFields.Hours, hours)));

    /// <summary>Takes in ops from elsewhere (as a sync would).</summary>
    public void Receive(IEnumerable<Op> ops)
    {
        foreach (var op in ops) Editor.ApplyRemote(op, Now);
    }
}
