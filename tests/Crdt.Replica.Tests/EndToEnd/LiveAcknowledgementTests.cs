using Crdt.Core;
using Crdt.Relay.Storage.Sqlite;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// Guards bounded history against devices that stay live (issue 16): a board or a tablet that keeps its
/// live stream open for days without editing must still acknowledge what it holds, or it holds the
/// relay's compaction back at the position where its stream began. The replica renews its stream
/// every <see cref="ReplicaOptions.LiveRenewEvery"/>, and every new stream and pull acknowledges.
/// </summary>
public sealed class LiveAcknowledgementTests : IAsyncLifetime
{
    private readonly RelayFixture relay = new();

    public Task InitializeAsync() => relay.InitializeAsync();

    public Task DisposeAsync() => relay.DisposeAsync();

    private async Task<long> AcknowledgedByAsync(string device)
    {
        await using var store = SqliteRelayStore.Open(relay.DataDirectory);
        var acks = await store.ListAcknowledgementsAsync("default");
        return acks.SingleOrDefault(a => a.Device == device)?.Position ?? 0;
    }

    [Fact]
    public async Task A_device_that_only_listens_keeps_acknowledging_what_it_received()
    {
        await using var dispatch = await relay.DeviceAsync("dispatch");
        await using var ana = await relay.DeviceAsync("ana", new ReplicaOptions { LiveRenewEvery = TimeSpan.FromMilliseconds(300) });
        ana.StartLiveSync();
        await WaitUntilAsync(() => ana.Connectivity == ConnectivityState.Online, "ana's live sync to connect");

        for (var i = 1; i <= 3; i++)
        {
            await dispatch.Create(WorkOrderFields.Collection, $"WO-A{i}")
                .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled).Set(WorkOrderFields.Title, "Listen " + i)
                .Set(WorkOrderFields.Assignee, "ana").SaveAsync();
            await dispatch.SyncAsync();
        }
        var head = (await relay.RelayDotsAsync()).Count;
        await WaitUntilAsync(() => ana.GetWorkOrder("WO-A3") is not null, "ana's live stream to bring the last order");

        // ana never edits and nobody calls SyncAsync on her: only the renewed stream can acknowledge the head.
        await WaitUntilAsync(() => AcknowledgedByAsync("ana").GetAwaiter().GetResult() == head, $"ana's acknowledgement to reach the head {head}");
        Assert.Equal(0, ana.PendingCount);
        ana.StopLiveSync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 60 s for {what}");
            await Task.Delay(100);
        }
    }
}
