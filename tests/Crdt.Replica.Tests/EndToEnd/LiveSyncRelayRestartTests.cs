using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>Guards against live sync giving up after the relay restarts: edits saved while it was
/// down must go out by themselves once it is back, with no call from the app.</summary>
public sealed class LiveSyncRelayRestartTests : IAsyncLifetime
{
    private readonly RelayFixture relay = new();

    public Task InitializeAsync() => relay.InitializeAsync();

    public Task DisposeAsync() => relay.DisposeAsync();

    [Fact]
    public async Task Edits_saved_while_the_relay_was_down_go_out_by_themselves_once_it_is_back()
    {
        await using var dispatch = await relay.DeviceAsync("dispatch");
        await using var ana = await relay.DeviceAsync("ana");
        await dispatch.Create(WorkOrderFields.Collection, "WO-L1")
            .Set(WorkOrderFields.Status, WorkOrderStatus.InProgress).Set(WorkOrderFields.Title, "Live restart")
            .Set(WorkOrderFields.Assignee, "ana").SaveAsync();
        await dispatch.SyncAsync();

        ana.StartLiveSync();
        await WaitUntilAsync(() => ana.GetWorkOrder("WO-L1") is not null && ana.Connectivity == ConnectivityState.Online, "ana's live sync to bring the order");

        relay.Relay.Kill();
        await WaitUntilAsync(() => ana.Connectivity == ConnectivityState.Offline, "ana's live sync to notice the relay is gone");
        for (var i = 0; i < 3; i++)
        {
            await ana.EditWorkOrder("WO-L1").Add(WorkOrderFields.TimeEntries, $"t{i}", (TimeEntryFields.Hours, 1.5m)).SaveAsync();
        }
        Assert.Equal(3, ana.PendingCount);

        await relay.Relay.RestartAsync();
        // No SyncAsync on ana from here: only its live loop may send the edits.
        await WaitUntilAsync(() => ana.PendingCount == 0, "ana's pending edits to go out after the restart");
        Assert.Equal(ConnectivityState.Online, ana.Connectivity);

        await dispatch.SyncAsync();
        Assert.Equal(4.5m, dispatch.GetWorkOrder("WO-L1")!.TotalHours);
        var anas = (await relay.RelayDotsAsync()).Where(d => d.Replica == ana.Id.Value).ToList();
        Assert.Equal(3, anas.Count);
        ana.StopLiveSync();
    }

    /// <summary>Polls: the live loop works in the background, with backoff while the relay is away.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 120 s for {what}");
            await Task.Delay(50);
        }
    }
}
