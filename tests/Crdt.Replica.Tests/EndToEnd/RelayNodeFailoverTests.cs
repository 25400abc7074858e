using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// Guards device failover between two real relay processes on one PostgreSQL database: the node a
/// device pushes a large outbox through is SIGKILLed mid-push, and the device finishes through the
/// other node with every op in the shared log exactly once; a live device carries on through the
/// other node by itself.
/// </summary>
public sealed class RelayNodeFailoverTests : IAsyncLifetime
{
    private readonly TempDirectory _files = new();
    private PostgresRelayNodes? _relay;

    private PostgresRelayNodes Relay => _relay!;

    public async Task InitializeAsync() => _relay = await PostgresRelayNodes.StartAsync(2);

    public async Task DisposeAsync()
    {
        if (_relay is not null) await _relay.DisposeAsync();
        _files.Dispose();
    }

    [Fact]
    public async Task A_node_killed_mid_push_of_a_large_outbox_leaves_the_device_to_finish_through_the_other_with_every_op_once()
    {
        const int Entries = 4_000;
        var token = await Relay.AddDeviceAsync("dina", "dispatcher");
        // Small batches: the push takes many calls, so the kill lands between and inside them.
        await using var dina = await DeviceReplica.OpenAsync(_files.File("dina.db"), new ReplicaOptions { PushBatchOps = 100 });
        await dina.SignInToNodesAsync([Relay.Url(0), Relay.Url(1)], token, "dina");
        await dina.Create(WorkOrderFields.Collection, "WO-N1")
            .Set(WorkOrderFields.Status, WorkOrderStatus.InProgress).Set(WorkOrderFields.Title, "Failover").Set(WorkOrderFields.Assignee, "dina").SaveAsync();
        for (var start = 0; start < Entries; start += 500)
        {
            await dina.SaveAllAsync(Enumerable.Range(start, 500)
                .Select(i => dina.EditWorkOrder("WO-N1").Add(WorkOrderFields.TimeEntries, $"t{i}", (TimeEntryFields.Hours, 0.5m)))
                .ToList());
        }
        var made = dina.PendingCount;
        var firstBatchAcknowledged = new TaskCompletionSource();
        dina.SyncProgressChanged += (_, p) =>
        {
            if (p.OpsSent > 0)
            {
                firstBatchAcknowledged.TrySetResult();
            }
        };

        var sync = dina.SyncAsync();
        await firstBatchAcknowledged.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Relay.Nodes[0].Kill();
        var pendingAtKill = dina.PendingCount;
        // The same round goes on through node 2: no error reaches the app.
        await sync.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.InRange(pendingAtKill, 1, made - 1);
        Assert.Equal(0, dina.PendingCount);
        Assert.Equal(Relay.Url(1), dina.RelayUrl);
        Assert.Equal(ConnectivityState.Online, dina.Connectivity);
        var dinas = (await Relay.LogDotsAsync()).Where(d => d.Replica == dina.Id.Value).ToList();
        Assert.Equal(made, dinas.Count);
        Assert.Equal(Enumerable.Range(1, (int)made).Select(i => (long)i), dinas.Select(d => d.Seq).Order());
        // And what node 2 serves holds it all: another device pulling only from node 2.
        var boardToken = await Relay.AddDeviceAsync("board", "dispatcher");
        await using var board = await DeviceReplica.OpenAsync(_files.File("board.db"));
        await board.SignInAsync(Relay.Url(1), boardToken, "board");
        await board.SyncAsync();
        Assert.Equal(Entries * 0.5m, board.GetWorkOrder("WO-N1")!.TotalHours);
    }

    [Fact]
    public async Task A_live_device_whose_node_is_killed_goes_on_through_the_other_by_itself()
    {
        var dinaToken = await Relay.AddDeviceAsync("dina", "dispatcher");
        var boardToken = await Relay.AddDeviceAsync("board", "dispatcher");
        await using var dina = await DeviceReplica.OpenAsync(_files.File("dina.db"));
        await dina.SignInToNodesAsync([Relay.Url(0), Relay.Url(1)], dinaToken, "dina");
        await using var board = await DeviceReplica.OpenAsync(_files.File("board.db"));
        await board.SignInAsync(Relay.Url(1), boardToken, "board");
        await board.Create(WorkOrderFields.Collection, "WO-L1").Set(WorkOrderFields.Status, WorkOrderStatus.InProgress).Set(WorkOrderFields.Title, "Live").Set(WorkOrderFields.Assignee, "dina").SaveAsync();
        await board.SyncAsync();

        dina.StartLiveSync();
        await WaitUntilAsync(() => dina.GetWorkOrder("WO-L1") is not null && dina.Connectivity == ConnectivityState.Online, "dina's live sync through node 1");
        Assert.Equal(Relay.Url(0), dina.RelayUrl);
        Relay.Nodes[0].Kill();
        for (var i = 0; i < 3; i++)
        {
            await dina.EditWorkOrder("WO-L1").AddHours(1m).SaveAsync();
        }
        // No SyncAsync on dina: only its live loop moves to node 2 and sends the edits.
        await WaitUntilAsync(() => dina.PendingCount == 0, "dina's edits to go out through node 2");
        // Its live stream is on node 2 now: an edit made there arrives by itself.
        await board.EditWorkOrder("WO-L1").Set(WorkOrderFields.Title, "Live, moved").SaveAsync();
        await board.SyncAsync();
        await WaitUntilAsync(() => dina.GetWorkOrder("WO-L1")?.Title == "Live, moved", "the live stream on node 2 to bring board's edit");

        Assert.Equal(Relay.Url(1), dina.RelayUrl);
        await board.SyncAsync();
        Assert.Equal(3m, board.GetWorkOrder("WO-L1")!.TotalHours);
        dina.StopLiveSync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 60 s for {what}");
            await Task.Delay(50);
        }
    }
}
