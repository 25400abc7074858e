using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.Library;

/// <summary>Guards the promise that an edit whose call returned is on disk, and a refused edit leaves no trace.</summary>
public sealed class ReplicaEditingTests
{
    private static DocumentEdit NewOrder(DeviceReplica replica, string id) =>
        replica.Create(WorkOrderFields.Collection, id)
            .Set(WorkOrderFields.Status, WorkOrderStatus.Open)
            .Set(WorkOrderFields.Title, "Pump service")
            .Set(WorkOrderFields.Assignee, "ana");

    [Fact]
    public async Task An_edit_that_returned_is_there_after_reopening()
    {
        using var dir = new TempDirectory();
        var path = dir.File("r.db");
        string json;
        await using (var replica = await DeviceReplica.OpenAsync(path))
        {
            await NewOrder(replica, "WO-1").SaveAsync();
            await replica.EditWorkOrder("WO-1").AddHours(1.5m, "seal").SaveAsync();
            await replica.EditWorkOrder("WO-1").AddPart("SKU-9", 2).SaveAsync();
            json = replica.Get(WorkOrderFields.Collection, "WO-1")!.ToJson(includeTotalsAndFlags: true);
        }

        await using var reopened = await DeviceReplica.OpenAsync(path);
        var order = reopened.GetWorkOrder("WO-1")!;

        Assert.Equal(json, order.View.ToJson(includeTotalsAndFlags: true));
        Assert.Equal(1.5m, order.TotalHours);
        Assert.Equal("Pump service", order.Title);
        Assert.Equal(3, reopened.PendingCount);
        Assert.Equal(3, reopened.Store.OpCount());
    }

    [Fact]
    public async Task Work_on_an_order_this_device_sees_completed_is_refused_and_changes_nothing()
    {
        using var dir = new TempDirectory();
        await using var replica = await DeviceReplica.OpenAsync(dir.File("r.db"));
        await NewOrder(replica, "WO-1").SaveAsync();
        await replica.EditWorkOrder("WO-1").Complete().SaveAsync();
        var before = replica.Get(WorkOrderFields.Collection, "WO-1")!.ToJson(true);

        var error = await Assert.ThrowsAsync<ValidationException>(() => replica.EditWorkOrder("WO-1").AddHours(2).SaveAsync());

        Assert.Contains("WorkOrder/WO-1", error.Message);
        Assert.Contains(WorkOrderFields.TimeEntries, error.Message);
        Assert.Equal(before, replica.Get(WorkOrderFields.Collection, "WO-1")!.ToJson(true));
        Assert.Equal(2, replica.PendingCount);
    }

    [Fact]
    public async Task A_batch_is_saved_whole_or_not_at_all()
    {
        using var dir = new TempDirectory();
        var path = dir.File("r.db");
        await using (var replica = await DeviceReplica.OpenAsync(path))
        {
            await NewOrder(replica, "WO-1").SaveAsync();

            await Assert.ThrowsAsync<ValidationException>(() => replica.SaveAllAsync(
            [
                replica.EditWorkOrder("WO-1").Set(WorkOrderFields.Priority, "high"),
                replica.EditWorkOrder("WO-1").Set("noSuchField", "x"),
            ]));

            Assert.Null(replica.GetWorkOrder("WO-1")!.Priority);
            Assert.Equal(1, replica.PendingCount);
        }
        await using var reopened = await DeviceReplica.OpenAsync(path);
        Assert.Null(reopened.GetWorkOrder("WO-1")!.Priority);
        Assert.Equal(1, reopened.Store.OpCount());
    }

    [Fact]
    public async Task Sequences_keep_growing_across_restarts()
    {
        using var dir = new TempDirectory();
        var path = dir.File("r.db");
        await using (var replica = await DeviceReplica.OpenAsync(path))
        {
            await NewOrder(replica, "WO-1").SaveAsync();
        }
        await using var reopened = await DeviceReplica.OpenAsync(path);
        await reopened.EditWorkOrder("WO-1").AddHours(1).SaveAsync();

        Assert.Equal([1L, 2L], reopened.Store.OutboxDots().Select(d => d.Seq));
        Assert.All(reopened.Store.OutboxDots(), d => Assert.Equal(reopened.Id.Value, d.Replica));
    }

    [Fact]
    public async Task Saving_raises_documents_changed_after_the_commit()
    {
        using var dir = new TempDirectory();
        await using var replica = await DeviceReplica.OpenAsync(dir.File("r.db"));
        var seen = new List<(DocumentKey Key, long Pending)>();
        replica.DocumentsChanged += (_, e) => seen.AddRange(e.Documents.Select(k => (k, replica.PendingCount)));

        await NewOrder(replica, "WO-7").SaveAsync();

        Assert.Equal([(new DocumentKey(WorkOrderFields.Collection, "WO-7"), 1L)], seen);
    }

    [Fact]
    public async Task Any_collection_is_reachable_by_name()
    {
        using var dir = new TempDirectory();
        await using var replica = await DeviceReplica.OpenAsync(dir.File("r.db"));
        await replica.Create(CustomerFields.Collection, "C-1").Set(CustomerFields.Name, "Acme").SaveAsync();
        await replica.Create(CustomerFields.Collection, "C-2").Set(CustomerFields.Name, "Globex").SaveAsync();

        var names = replica.Query(CustomerFields.Collection, view => view[CustomerFields.Name]!.AsString().StartsWith('G'));

        Assert.Equal(["C-2"], names.Select(v => v.Key.Id));
        Assert.Equal(new Dictionary<string, int> { [CustomerFields.Collection] = 2 }, replica.DocumentCounts());
    }
}
