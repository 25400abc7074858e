using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>Guards against a relay that dies mid-push making the device lose or double-send ops.</summary>
public sealed class RelayRestartTests : IAsyncLifetime
{
    private readonly RelayFixture relay = new();

    public Task InitializeAsync() => relay.InitializeAsync();

    public Task DisposeAsync() => relay.DisposeAsync();

    [Fact]
    public async Task A_relay_killed_in_the_middle_of_a_push_loses_nothing_and_stores_nothing_twice()
    {
        const int Entries = 3_000;
        // Small batches, so the push takes many calls and the kill lands between and inside them.
        await using var ana = await relay.DeviceAsync("ana", new ReplicaOptions { PushBatchOps = 100 });
        await ana.Create(WorkOrderFields.Collection, "WO-R1")
            .Set(WorkOrderFields.Status, WorkOrderStatus.InProgress).Set(WorkOrderFields.Title, "Restart")
            .Set(WorkOrderFields.Assignee, "ana").SaveAsync();
        for (var start = 0; start < Entries; start += 500)
        {
            await ana.SaveAllAsync(Enumerable.Range(start, 500)
                .Select(i => ana.EditWorkOrder("WO-R1").Add(WorkOrderFields.TimeEntries, $"t{i}", (TimeEntryFields.Hours, 0.5m)))
                .ToList());
        }
        var firstBatchAcknowledged = new TaskCompletionSource();
        ana.SyncProgressChanged += (_, p) =>
        {
            if (p.OpsSent > 0)
            {
                firstBatchAcknowledged.TrySetResult();
            }
        };

        var sync = ana.SyncAsync();
        await firstBatchAcknowledged.Task.WaitAsync(TimeSpan.FromSeconds(60));
        relay.Relay.Kill();
        var cut = await Assert.ThrowsAsync<ReplicaSyncException>(() => sync);
        Assert.True(cut.Unreachable, cut.Message);
        Assert.InRange(ana.PendingCount, 1, Entries);
        Assert.Equal(ConnectivityState.Offline, ana.Connectivity);

        await relay.Relay.RestartAsync();
        await ana.SyncAsync();

        Assert.Equal(0, ana.PendingCount);
        Assert.Equal(ConnectivityState.Online, ana.Connectivity);
        var dots = await relay.RelayDotsAsync();
        var anas = dots.Where(d => d.Replica == ana.Id.Value).ToList();
        Assert.Equal(Entries + 1, anas.Count);
        Assert.Equal(anas.Count, anas.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, Entries + 1).Select(i => (long)i), anas.Select(d => d.Seq).Order());
        await using var observer = await relay.DeviceAsync("dispatch");
        await observer.SyncAsync();
        Assert.Equal(Entries * 0.5m, observer.GetWorkOrder("WO-R1")!.TotalHours);
    }
}
