using Crdt.Core;
using Grpc.Core;
using Crdt.Relay.Services;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Sync;

/// <summary>Guards scopes on every RPC: a technician reaches only its assigned orders, their
/// customers and assets, the parts and its pins; reassignment takes an order out of scope from
/// then on; tenants never see each other.</summary>
public sealed class ScopeTests : RelayTestBase
{
    private RelayClient _dispatcher = null!;
    private RelayClient _tom = null!;
    private readonly Device _board = new("board-1", "dina");

    protected override async Task SetUpAsync()
    {
        _dispatcher = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        _tom = await Relay.DeviceAsync("tom", DeviceRoleKind.Technician);
        await _dispatcher.PushAsync(
            _board.CreateCustomer("c-tom"), _board.CreateCustomer("c-ann"), _board.CreateAsset("a-tom"), _board.CreatePart("p1"),
            _board.CreateOrder("wo-tom", "tom", customer: "c-tom", asset: "a-tom"),
            _board.CreateOrder("wo-ann", "ann", customer: "c-ann"));
    }

    private static HashSet<string> Documents(IEnumerable<Wire.PullResponse> items) =>
        items.Where(i => i.Document is not null).Select(i => $"{i.Document.Collection}/{i.Document.Id}").ToHashSet();

    private static async Task Denied(Func<Task> call, string document)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains(document, error.Status.Detail);
    }

    [Fact]
    public async Task A_technician_bootstraps_only_its_orders_their_customers_and_assets_and_the_parts()
    {
        var pulled = await _tom.PullAsync();

        Assert.Equal(new[] { "Asset/a-tom", "Customer/c-tom", "Part/p1", "WorkOrder/wo-tom" }, Documents(pulled).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_technician_cannot_read_or_write_outside_its_scope_through_any_rpc()
    {
        var truck = new Device("truck-1", "tom");
        var foreignEdit = new Op(new Dot(new ReplicaId("truck-1"), 1), new Hlc(Device.Now, 0, new ReplicaId("truck-1")), "tom",
            Device.Order("wo-ann"), new VersionVector(), [new SetField(WorkOrderFields.Priority, "low")]);
        _ = truck;

        await Denied(() => _tom.PushAsync(foreignEdit), "WorkOrder/wo-ann");
        await Denied(() => _tom.GetAsync("WorkOrder", "wo-ann"), "WorkOrder/wo-ann");
        await Denied(() => _tom.GetAsync("Customer", "c-ann"), "Customer/c-ann");
        await Denied(() => _tom.MutateAsync("WorkOrder", "wo-ann", 0, SyncTests.Set("priority", "low")), "WorkOrder/wo-ann");
        await Denied(() => _tom.ListFlagsAsync(new Wire.ListFlagsRequest { Document = new Wire.DocumentKey { Collection = "WorkOrder", Id = "wo-ann" } }), "WorkOrder/wo-ann");
        await Denied(() => _tom.ResolveFlagAsync(new Wire.ResolveFlagRequest
        {
            Document = new Wire.DocumentKey { Collection = "WorkOrder", Id = "wo-ann" }, FlagId = "x", Resolution = Wire.Resolution.KeepMine,
        }), "WorkOrder/wo-ann");
        using var watch = _tom.Watch(new Wire.WatchRequest { Documents = { new Wire.DocumentKey { Collection = "WorkOrder", Id = "wo-ann" } } });
        await Denied(() => watch.ResponseStream.MoveNext(CancellationToken.None), "WorkOrder/wo-ann");

        var query = await _tom.QueryAsync(new Wire.QueryDocumentsRequest { Collection = "WorkOrder" });
        Assert.Equal(["wo-tom"], query.Documents.Select(d => d.Document.Id));
        var customers = await _tom.QueryAsync(new Wire.QueryDocumentsRequest { Collection = "Customer" });
        Assert.Equal(["c-tom"], customers.Documents.Select(d => d.Document.Id));
    }

    [Fact]
    public async Task Live_streams_carry_only_ops_in_scope()
    {
        var cursor = (await _tom.PullAsync())[^1].Checkpoint.Cursor;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var call = _tom.Subscribe(cursor, cancel.Token);
        Assert.True(await call.ResponseStream.MoveNext(cancel.Token));

        await _dispatcher.PushAsync(_board.Set(Device.Order("wo-ann"), WorkOrderFields.Priority, "urgent"));
        var mine = _board.Set(Device.Order("wo-tom"), WorkOrderFields.Priority, "low");
        await _dispatcher.PushAsync(mine);

        var received = new List<Wire.PullResponse>();
        while (received.Count(r => r.Checkpoint is not null) < 2 && await call.ResponseStream.MoveNext(cancel.Token))
            received.Add(call.ResponseStream.Current);
        Assert.Equal([mine.Dot], received.Where(r => r.Op is not null).Select(r => Wire.CoreMessages.ToOp(r.Op).Dot));
    }

    [Fact]
    public async Task Reassigning_an_order_takes_it_out_of_scope_and_assigning_one_sends_it_whole()
    {
        var cursor = (await _tom.PullAsync())[^1].Checkpoint.Cursor;

        await _dispatcher.PushAsync(_board.Set(Device.Order("wo-tom"), WorkOrderFields.Assignee, "ann"));
        await _dispatcher.PushAsync(_board.Set(Device.Order("wo-ann"), WorkOrderFields.Assignee, "tom"));
        var pulled = await _tom.PullAsync(cursor);

        Assert.Contains(pulled, p => p.LeftScope is { Id: "wo-tom" });
        Assert.Contains("WorkOrder/wo-ann", Documents(pulled));
        Assert.Contains("Customer/c-ann", Documents(pulled));
        await Denied(() => _tom.GetAsync("WorkOrder", "wo-tom"), "WorkOrder/wo-tom");
        Assert.Equal("tom", (await _tom.GetAsync("WorkOrder", "wo-ann")).Fields["assignee"].StringValue);
    }

    [Fact]
    public async Task A_document_the_office_shares_enters_the_technicians_scope()
    {
        var cursor = (await _tom.PullAsync())[^1].Checkpoint.Cursor;
        await Denied(() => _tom.GetAsync("Customer", "c-ann"), "Customer/c-ann");

        var pins = await _dispatcher.PinAsync("Customer", "c-ann", forDevice: "tom");
        var pulled = await _tom.PullAsync(cursor);
        var pulledFromBefore = await _tom.PullAsync(cursor - 1);

        Assert.Contains("Customer/c-ann", Documents(pulledFromBefore));
        Assert.Single(pins.Pinned);
        Assert.Equal("c-ann", pins.Document.Id);
        Assert.DoesNotContain("Customer/c-ann", Documents(pulled));
        Assert.Equal("Acme Ltd", (await _tom.GetAsync("Customer", "c-ann")).Fields["name"].StringValue);
        var error = await Assert.ThrowsAsync<RpcException>(() => _tom.PinAsync(new Wire.PinRequest { Document = new Wire.DocumentKey { Collection = "WorkOrder", Id = "wo-ann" }, Pinned = true }));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task Tenants_never_see_each_other()
    {
        var other = await Relay.DeviceAsync("olga", DeviceRoleKind.Dispatcher, tenant: "other-co");

        var pulled = await other.PullAsync();
        var query = await other.QueryAsync(new Wire.QueryDocumentsRequest { Collection = "WorkOrder" });
        var error = await Assert.ThrowsAsync<RpcException>(() => other.GetAsync("WorkOrder", "wo-tom"));
        await other.PushAsync(new Device("olga-board", "olga").CreateOrder("wo-tom", "x", title: "Same id, other tenant"));

        Assert.Single(pulled);
        Assert.Empty(query.Documents);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("Fix the pump", (await _dispatcher.GetAsync("WorkOrder", "wo-tom")).Fields["title"].StringValue);
    }

    [Fact]
    public async Task A_technician_may_create_its_own_order_and_still_sync_offline_edits_after_reassignment()
    {
        var truck = new Device("truck-1", "tom");
        var created = truck.CreateOrder("wo-new", "tom");
        await _tom.PushAsync(created);
        _board.Receive([created]);
        var offline = truck.Set(Device.Order("wo-new"), WorkOrderFields.Description, "Offline note");
        await _dispatcher.PushAsync(_board.Set(Device.Order("wo-new"), WorkOrderFields.Assignee, "ann"));

        var late = await _tom.PushAsync(offline);

        Assert.Equal(1u, late.Stored);
        await Denied(() => _tom.GetAsync("WorkOrder", "wo-new"), "WorkOrder/wo-new");
        Assert.Equal("Offline note", (await _dispatcher.GetAsync("WorkOrder", "wo-new")).Fields["description"].StringValue);
    }

    [Fact]
    public async Task A_technician_receives_the_delete_of_its_order_and_the_flag_its_concurrent_edit_raises()
    {
        var truck = new Device("truck-1", "tom");
        var cursor = (await _tom.PullAsync())[^1].Checkpoint.Cursor;
        foreach (var item in await _tom.PullAsync()) if (item.Document is not null) Wire.CoreMessages.MergeSnapshot(truck.Documents, item.Document);
        var offline = truck.Set(Device.Order("wo-tom"), WorkOrderFields.Priority, "urgent");
        var delete = _board.Editor.Delete(Device.Order("wo-tom"), "dina", Device.Now);
        await _dispatcher.PushAsync(delete);

        await _tom.PushAsync(offline);
        var pulled = await _tom.PullAsync(cursor);

        Assert.Contains(delete.Dot, pulled.Where(p => p.Op is not null).Select(p => Wire.CoreMessages.ToOp(p.Op).Dot));
        var view = await _tom.GetAsync("WorkOrder", "wo-tom");
        Assert.True(view.Deleted);
        var flags = await _tom.ListFlagsAsync(new Wire.ListFlagsRequest());
        Assert.Contains(flags.Flags, f => f.Kind == Wire.FlagKind.EditOnDeleted && f.Document.Id == "wo-tom");
    }
}
