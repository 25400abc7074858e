using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Sync;

/// <summary>
/// A technician's live stream left unread while commits in and out of its scope land one after another
/// (so OpStreamer's live loop may send several commits under one checkpoint, issue 11): it gets nothing of
/// an order never its own, <c>left_scope</c> as the last word on an order reassigned away and none of the
/// order's later ops, an order assigned to it in full, each op at most once, and checkpoints that only go
/// up to the last commit's head with nothing after the last one.
/// </summary>
public sealed class ScopedLiveCatchUpTests : RelayTestBase
{
    [Fact]
    public async Task A_technician_stream_behind_commits_in_and_out_of_scope_gets_what_its_scope_says()
    {
        var dispatcher = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var technician = await Relay.DeviceAsync("tom", DeviceRoleKind.Technician);
        var board = new Device("board-scope", "dina");
        var cursor = (await technician.PullAsync())[^1].Checkpoint.Cursor;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var call = technician.Subscribe(cursor, cancel.Token);
        var stream = call.ResponseStream;
        Assert.True(await stream.MoveNext(cancel.Token)); // the catch-up's checkpoint

        // One commit per push, none of them read by the stream while they land.
        await dispatcher.PushAsync(board.CreateOrder("wo-t1", "tom"));
        await dispatcher.PushAsync(board.CreateOrder("wo-t2", "tom"));
        // More than the stream's HTTP/2 window and Kestrel's buffer hold: its next flush waits for the reader,
        // and the commits below are linked meanwhile (the live loop then takes them in runs).
        for (var i = 0; i < 16; i++)
        {
            await dispatcher.PushAsync(board.Set(Device.Order("wo-t2"), WorkOrderFields.Description, new string((char)('a' + i), 15_000)));
        }
        await dispatcher.PushAsync(board.CreateOrder("wo-a1", "ann"));
        await dispatcher.PushAsync(board.CreateOrder("wo-b1", "ann"));
        for (var i = 0; i < 10; i++)
        {
            foreach (var id in new[] { "wo-t1", "wo-t2", "wo-a1", "wo-b1" })
            {
                await dispatcher.PushAsync(board.Set(Device.Order(id), WorkOrderFields.Title, $"{id} take {i}"));
            }
        }
        await dispatcher.PushAsync(board.Set(Device.Order("wo-t1"), WorkOrderFields.Assignee, "ann"));
        var afterLeaving = new List<Dot>();
        for (var i = 0; i < 3; i++)
        {
            var edit = board.Set(Device.Order("wo-t1"), WorkOrderFields.Title, $"ann's take {i}");
            afterLeaving.Add(edit.Dot);
            await dispatcher.PushAsync(edit);
        }
        await dispatcher.PushAsync(board.Set(Device.Order("wo-a1"), WorkOrderFields.Assignee, "tom"));
        for (var i = 0; i < 3; i++)
        {
            await dispatcher.PushAsync(board.Set(Device.Order("wo-a1"), WorkOrderFields.Title, $"tom's take {i}"));
            await dispatcher.PushAsync(board.Set(Device.Order("wo-t2"), WorkOrderFields.Title, $"tom's take {i}"));
        }
        // One commit mixing them: one op each in scope, never in it, out of it, and newly in it.
        var mixed = new[] { board.AddHours("wo-t2", "e1", 1m), board.AddHours("wo-b1", "e4", 4m), board.AddHours("wo-t1", "e2", 2m), board.AddHours("wo-a1", "e3", 3m) };
        afterLeaving.Add(mixed[2].Dot);
        var head = (await dispatcher.PushAsync(mixed)).Cursor;

        var truck = new Device("truck-tom", "tom");
        var ops = new List<Dot>();
        var checkpoints = new List<ulong>();
        var lastWordOnT1 = "";
        var itemsAfterCheckpoint = 0;
        while (checkpoints.Count == 0 || checkpoints[^1] < head)
        {
            Assert.True(await stream.MoveNext(cancel.Token));
            var item = stream.Current;
            switch (item.ItemCase)
            {
                case Wire.PullResponse.ItemOneofCase.Op:
                    var op = Wire.CoreMessages.ToOp(item.Op);
                    Assert.NotEqual("wo-b1", op.Document.Id);
                    ops.Add(op.Dot);
                    truck.Receive([op]);
                    lastWordOnT1 = op.Document.Id == "wo-t1" ? "op" : lastWordOnT1;
                    itemsAfterCheckpoint++;
                    break;
                case Wire.PullResponse.ItemOneofCase.Document:
                    Assert.NotEqual("wo-b1", item.Document.Id);
                    Wire.CoreMessages.MergeSnapshot(truck.Documents, item.Document);
                    lastWordOnT1 = item.Document.Id == "wo-t1" ? "document" : lastWordOnT1;
                    itemsAfterCheckpoint++;
                    break;
                case Wire.PullResponse.ItemOneofCase.LeftScope:
                    Assert.Equal("wo-t1", item.LeftScope.Id);
                    lastWordOnT1 = "left_scope";
                    itemsAfterCheckpoint++;
                    break;
                case Wire.PullResponse.ItemOneofCase.Checkpoint:
                    checkpoints.Add(item.Checkpoint.Cursor);
                    itemsAfterCheckpoint = 0;
                    break;
            }
        }

        Assert.True(checkpoints.Zip(checkpoints.Skip(1)).All(pair => pair.First < pair.Second), "checkpoints must ascend");
        Assert.Equal(head, checkpoints[^1]);
        Assert.Equal(0, itemsAfterCheckpoint);
        Assert.Equal(ops.Count, ops.Distinct().Count());
        Assert.Equal("left_scope", lastWordOnT1);
        Assert.Empty(ops.Intersect(afterLeaving));
        // The orders in scope at the end are whole on the device: every op the dispatcher's board made on them.
        foreach (var id in new[] { "wo-t2", "wo-a1" })
        {
            Assert.Equal(board.Documents.VersionOf(Device.Order(id)), truck.Documents.VersionOf(Device.Order(id)));
        }
    }
}
