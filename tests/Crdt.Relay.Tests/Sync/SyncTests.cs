using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Sync;

/// <summary>Guards the replica protocol over real HTTP/2 sockets: ops pushed are stored once and
/// reach other devices, bootstrap gives current state, cursors never skip or repeat, live streams
/// deliver as ops land, and the relay rebuilds the same state after a restart.</summary>
public sealed class SyncTests : RelayTestBase
{

    private static IEnumerable<Op> Ops(IEnumerable<Wire.PullResponse> items) =>
        items.Where(i => i.ItemCase == Wire.PullResponse.ItemOneofCase.Op).Select(i => Wire.CoreMessages.ToOp(i.Op));

    private static ulong CheckpointOf(List<Wire.PullResponse> items) => items[^1].Checkpoint.Cursor;

    [Fact]
    public async Task Pushed_ops_are_stored_and_reach_another_device()
    {
        var dispatcher = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var other = await Relay.DeviceAsync("otto", DeviceRoleKind.Dispatcher);
        var board = new Device("board-1", "dina");
        var ops = new[] { board.CreateCustomer("c1"), board.CreateOrder("wo-1", "tom", customer: "c1") };

        var pushed = await dispatcher.PushAsync(ops);
        var pulled = await other.PullAsync();

        Assert.Equal((2u, 0u), (pushed.Stored, pushed.Duplicates));
        Assert.Equal(Wire.PullResponse.ItemOneofCase.Checkpoint, pulled[^1].ItemCase);
        var replica = new DocumentSet(SchemaRegistry.CreateDefault());
        foreach (var item in pulled.Where(i => i.ItemCase == Wire.PullResponse.ItemOneofCase.Document)) Wire.CoreMessages.MergeSnapshot(replica, item.Document);
        Assert.Equal("Fix the pump", replica.View(Device.Order("wo-1"))[WorkOrderFields.Title]!.AsString());
        Assert.Equal(pushed.Cursor, CheckpointOf(pulled));
    }

    [Fact]
    public async Task Re_pushing_after_a_lost_acknowledgement_stores_nothing_twice()
    {
        var dispatcher = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-1", "dina");
        var first = new[] { board.CreateOrder("wo-1", "tom"), board.Set(Device.Order("wo-1"), WorkOrderFields.Priority, "high") };
        var firstAck = await dispatcher.PushAsync(first);

        // The acknowledgement was lost: the device sends its whole outbox again, plus a new edit.
        var again = await dispatcher.PushAsync([.. first, board.Set(Device.Order("wo-1"), WorkOrderFields.Priority, "urgent")]);

        Assert.Equal((1u, 2u), (again.Stored, again.Duplicates));
        var log = await Relay.Host.Store.ReadLogAsync("default", 0, 100);
        Assert.Equal(3, log.Count);
        Assert.Equal(3, log.Select(e => (e.Replica, e.Sequence)).Distinct().Count());
        Assert.True(again.Cursor > firstAck.Cursor);
        var view = await dispatcher.GetAsync("WorkOrder", "wo-1");
        Assert.Equal("urgent", view.Fields["priority"].StringValue);
    }

    [Fact]
    public async Task A_new_device_bootstraps_from_current_state_not_history()
    {
        var dispatcher = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-1", "dina");
        await dispatcher.PushAsync(board.CreateOrder("wo-1", "tom"));
        for (var i = 0; i < 30; i++) await dispatcher.PushAsync(board.Set(Device.Order("wo-1"), WorkOrderFields.Description, $"take {i}"));
        var fresh = await Relay.DeviceAsync("newbie", DeviceRoleKind.Dispatcher);

        var pulled = await fresh.PullAsync(cursor: 0);

        Assert.Equal(2, pulled.Count);
        var snapshot = pulled[0].Document;
        Assert.Equal(("WorkOrder", "wo-1"), (snapshot.Collection, snapshot.Id));
        Assert.Empty(snapshot.Ops);
        var replica = new DocumentSet(SchemaRegistry.CreateDefault());
        Wire.CoreMessages.MergeSnapshot(replica, snapshot);
        Assert.Equal("take 29", replica.View(Device.Order("wo-1"))[WorkOrderFields.Description]!.AsString());
        Assert.Equal(snapshot.Version, CheckpointOf(pulled));
        Assert.True(snapshot.CalculateSize() < 2000, $"snapshot of 31 edits is {snapshot.CalculateSize()} bytes; overwritten values must be left out");
    }

    [Fact]
    public async Task Pulling_from_a_cursor_returns_exactly_the_later_ops_and_a_current_cursor_only_a_checkpoint()
    {
        var dispatcher = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-1", "dina");
        await dispatcher.PushAsync(board.CreateOrder("wo-1", "tom"));
        var cursor = CheckpointOf(await dispatcher.PullAsync());
        var later = new[] { board.Set(Device.Order("wo-1"), WorkOrderFields.Priority, "low"), board.CreateOrder("wo-2", "tom") };
        await dispatcher.PushAsync(later);

        var next = await dispatcher.PullAsync(cursor);
        var nothing = await dispatcher.PullAsync(CheckpointOf(next));

        Assert.Equal(later.Select(o => o.Dot), Ops(next).Select(o => o.Dot));
        Assert.Single(nothing);
        Assert.Equal(CheckpointOf(next), CheckpointOf(nothing));
    }

    [Fact]
    public async Task Pull_stops_at_max_items_and_says_more_remains()
    {
        var dispatcher = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-1", "dina");
        await dispatcher.PushAsync(Enumerable.Range(0, 10).Select(i => board.CreateOrder($"wo-{i}", "tom")).ToArray());

        var first = await dispatcher.PullAsync(cursor: 0, maxItems: 0);
        var cursorAfterBootstrap = CheckpointOf(first);
        await dispatcher.PushAsync(Enumerable.Range(0, 10).Select(i => board.Set(Device.Order($"wo-{i}"), WorkOrderFields.Priority, "high")).ToArray());
        var page = await dispatcher.PullAsync(cursorAfterBootstrap, maxItems: 4);
        var rest = await dispatcher.PullAsync(CheckpointOf(page), maxItems: 100);

        Assert.True(page[^1].Checkpoint.More);
        Assert.Equal(4, Ops(page).Count());
        Assert.False(rest[^1].Checkpoint.More);
        Assert.Equal(6, Ops(rest).Count());
    }

    [Fact]
    public async Task Subscribe_streams_each_op_as_it_lands()
    {
        var dispatcher = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var watcher = await Relay.DeviceAsync("wendy", DeviceRoleKind.Dispatcher);
        var board = new Device("board-1", "dina");
        await dispatcher.PushAsync(board.CreateOrder("wo-1", "tom"));
        var cursor = CheckpointOf(await watcher.PullAsync());
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var call = watcher.Subscribe(cursor, cancel.Token);
        var stream = call.ResponseStream;
        Assert.True(await stream.MoveNext(cancel.Token));
        Assert.Equal(cursor, stream.Current.Checkpoint.Cursor);

        var edit = board.Set(Device.Order("wo-1"), WorkOrderFields.Status, WorkOrderStatus.InProgress);
        await dispatcher.PushAsync(edit);

        Assert.True(await stream.MoveNext(cancel.Token));
        Assert.Equal(edit.Dot, Wire.CoreMessages.ToOp(stream.Current.Op).Dot);
        Assert.True(await stream.MoveNext(cancel.Token));
        Assert.True(stream.Current.Checkpoint.Cursor > cursor);
    }

    [Fact]
    public async Task The_relay_rebuilds_the_same_state_after_a_restart_and_continues_its_sequence()
    {
        var dispatcher = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var token = "unused";
        _ = token;
        var board = new Device("board-1", "dina");
        await dispatcher.PushAsync(board.CreateOrder("wo-1", "tom"));
        var mutated = await dispatcher.MutateAsync("WorkOrder", "wo-1", 0, Set("priority", "high"));
        var before = await dispatcher.GetAsync("WorkOrder", "wo-1");

        await Relay.RestartAsync();
        var again = await Relay.DeviceAsync("dina2", DeviceRoleKind.Dispatcher);
        var after = await again.GetAsync("WorkOrder", "wo-1");
        var next = await again.MutateAsync("WorkOrder", "wo-1", 0, Set("priority", "low"));

        Assert.Equal(before, after);
        Assert.Equal(mutated.Dot.Replica, next.Dot.Replica);
        Assert.Equal(mutated.Dot.Seq + 1, next.Dot.Seq);
    }

    internal static Wire.Mutation Set(string field, string value) =>
        new() { SetField = new Wire.SetField { Field = field, Value = new Wire.FieldValue { StringValue = value } } };
}
