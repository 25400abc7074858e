using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Replica.Tests.Library;

/// <summary>
/// The device-to-device exchange the benchmark uses: the sender's outbox as push messages, taken
/// in by the receiver through the pull ingestion path, durably, whole or not at all.
/// </summary>
public sealed class PeerExchangeTests
{
    private static async Task MakeOrdersAsync(DeviceReplica replica, int orders)
    {
        for (var i = 0; i < orders; i++)
        {
            await replica.Create(WorkOrderFields.Collection, $"WO-{i}")
                .Set(WorkOrderFields.Status, WorkOrderStatus.Open)
                .Set(WorkOrderFields.Title, $"Order {i}")
                .SaveAsync();
            await replica.EditWorkOrder($"WO-{i}").AddHours(1.25m, "seal", "ana").SaveAsync();
        }
    }

    private static string Json(DeviceReplica replica, int i) =>
        replica.Get(WorkOrderFields.Collection, $"WO-{i}")!.ToJson(includeTotalsAndFlags: true);

    [Fact]
    public async Task The_receiver_equals_the_sender_after_reopening_and_the_outbox_is_left_to_the_relay()
    {
        using var dir = new TempDirectory();
        var receiverPath = dir.File("b.db");
        await using var sender = await DeviceReplica.OpenAsync(dir.File("a.db"), new ReplicaOptions { PushBatchOps = 3 });
        await MakeOrdersAsync(sender, 4);

        var messages = sender.OutboxPushMessages();

        // 8 ops in batches of at most 3, every op exactly once, oldest first.
        Assert.Equal(3, messages.Count);
        var dots = messages.SelectMany(m => Wire.PushRequest.Parser.ParseFrom(m).Ops).Select(op => (long)op.Dot.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, 8).Select(s => (long)s), dots);
        Assert.Equal(8, sender.PendingCount);
        await using (var receiver = await DeviceReplica.OpenAsync(receiverPath))
        {
            foreach (var message in messages)
            {
                await receiver.ApplyPushMessageAsync(message);
            }
            Assert.Equal(0, receiver.PendingCount);
        }
        await using var reopened = await DeviceReplica.OpenAsync(receiverPath);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Json(sender, i), Json(reopened, i));
            Assert.Equal(sender.Get(WorkOrderFields.Collection, $"WO-{i}")!.Version, reopened.Get(WorkOrderFields.Collection, $"WO-{i}")!.Version);
        }
        Assert.Equal(8, reopened.Store.OpCount());
    }

    [Fact]
    public async Task Messages_taken_in_twice_change_nothing_and_own_ops_coming_back_are_skipped()
    {
        using var dir = new TempDirectory();
        await using var a = await DeviceReplica.OpenAsync(dir.File("a.db"));
        await using var b = await DeviceReplica.OpenAsync(dir.File("b.db"));
        await MakeOrdersAsync(a, 2);
        var fromA = a.OutboxPushMessages();
        foreach (var message in fromA) await b.ApplyPushMessageAsync(message);
        var before = Json(b, 0);

        foreach (var message in fromA) await b.ApplyPushMessageAsync(message);
        await b.EditWorkOrder("WO-0").Set(WorkOrderFields.Title, "Changed on B").SaveAsync();
        var fromB = b.OutboxPushMessages();
        foreach (var message in fromB) await a.ApplyPushMessageAsync(message);
        foreach (var message in fromA) await a.ApplyPushMessageAsync(message);

        Assert.Equal(5, b.Store.OpCount());
        Assert.Equal(5, a.Store.OpCount());
        Assert.NotEqual(before, Json(b, 0));
        Assert.Equal(Json(a, 0), Json(b, 0));
        Assert.Equal("Changed on B", a.GetWorkOrder("WO-0")!.Title);
        Assert.Single(fromB);
        Assert.Single(Wire.PushRequest.Parser.ParseFrom(fromB[0]).Ops);
    }

    [Fact]
    public async Task A_message_with_one_invalid_op_is_refused_whole_naming_the_op()
    {
        using var dir = new TempDirectory();
        await using var a = await DeviceReplica.OpenAsync(dir.File("a.db"));
        await using var b = await DeviceReplica.OpenAsync(dir.File("b.db"));
        await MakeOrdersAsync(a, 2);
        var request = Wire.PushRequest.Parser.ParseFrom(a.OutboxPushMessages().Single());
        request.Ops[3].Hlc = null;

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => b.ApplyPushMessageAsync(request.ToByteArray()));
        var garbage = await Assert.ThrowsAsync<InvalidDataException>(() => b.ApplyPushMessageAsync([0xff, 0xff, 0xff]));

        Assert.Contains("the other device", error.Message);
        Assert.Contains("hlc is missing", error.Message);
        Assert.Contains("not a valid push request", garbage.Message);
        Assert.Equal(0, b.Store.OpCount());
        Assert.Null(b.Get(WorkOrderFields.Collection, "WO-0"));
        Assert.Empty(b.DocumentCounts());
    }
}
