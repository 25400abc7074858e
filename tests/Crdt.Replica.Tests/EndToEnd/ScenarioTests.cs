using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// Guards convergence through a real relay process: the core scenarios played by two
/// technicians and a dispatcher on their own replica files, ending with the same state (and
/// the same flags) everywhere, including a fresh device that bootstraps from the relay.
/// </summary>
public sealed class ScenarioTests(RelayFixture relay) : IClassFixture<RelayFixture>
{
    private static DocumentKey Order(string id) => new(WorkOrderFields.Collection, id);

    private static async Task CreateOrderAsync(DeviceReplica dispatcher, string id, string assignee)
    {
        await dispatcher.Create(WorkOrderFields.Collection, id)
            .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled)
            .Set(WorkOrderFields.Title, "Service " + id)
            .Set(WorkOrderFields.Description, "as reported")
            .Set(WorkOrderFields.Assignee, assignee)
            .SaveAsync();
        await dispatcher.SyncAsync();
    }

    /// <summary>Every device holding the order shows exactly what a fresh device pulled from the relay shows.</summary>
    private async Task<DocumentView> AssertConvergedAsync(string id, params DeviceReplica[] devices)
    {
        foreach (var device in devices)
        {
            await device.SyncAsync();
        }
        await using var observer = await relay.DeviceAsync("dispatch");
        await observer.SyncAsync();
        var truth = observer.Get(Order(id)) ?? throw new Xunit.Sdk.XunitException($"the relay does not have {id}");
        foreach (var device in devices)
        {
            Assert.Equal(0, device.PendingCount);
            if (device.Get(Order(id)) is { } view)
            {
                Assert.True(truth.ToJson(includeTotalsAndFlags: true) == view.ToJson(includeTotalsAndFlags: true),
                    $"{device.CurrentUser} differs from the relay:\n relay: {truth.ToJson(true)}\n {device.CurrentUser}: {view.ToJson(true)}");
            }
        }
        return truth;
    }

    [Fact]
    public async Task Offline_edits_to_different_fields_merge_field_by_field()
    {
        await using var dispatch = await relay.DeviceAsync("dispatch");
        await using var ana = await relay.DeviceAsync("ana");
        await using var ben = await relay.DeviceAsync("ben");
        await CreateOrderAsync(dispatch, "WO-M1", "ana");
        await ana.CheckOutAgendaAsync();

        await ana.SetWorkOfflineAsync(true);
        await ana.EditWorkOrder("WO-M1").AddHours(2, "diagnosis").Set(WorkOrderFields.Priority, "high").SaveAsync();
        await dispatch.EditWorkOrder("WO-M1").Set(WorkOrderFields.Address, "1 Main St").Set(WorkOrderFields.Assignee, "ben").SaveAsync();
        await dispatch.SyncAsync();
        await ben.SyncAsync();
        await ben.EditWorkOrder("WO-M1").AddPart("SKU-7", 1).SaveAsync();
        await ben.SyncAsync();
        await ana.SetWorkOfflineAsync(false);

        var merged = await AssertConvergedAsync("WO-M1", ana, ben, dispatch);

        Assert.Equal("high", merged[WorkOrderFields.Priority]!.AsString());
        Assert.Equal("1 Main St", merged[WorkOrderFields.Address]!.AsString());
        Assert.Equal("ben", merged[WorkOrderFields.Assignee]!.AsString());
        Assert.Equal(2m, merged.TotalHours);
        Assert.Equal(1m, merged.TotalParts);
        Assert.Empty(merged.Flags);
        // Reassigned away: once ana's own edits synced, her copy was dropped.
        Assert.Null(ana.Get(Order("WO-M1")));
    }

    [Fact]
    public async Task Hours_logged_offline_on_an_order_completed_meanwhile_raise_WorkOnClosedOrder()
    {
        await using var dispatch = await relay.DeviceAsync("dispatch");
        await using var ben = await relay.DeviceAsync("ben");
        await CreateOrderAsync(dispatch, "WO-C1", "ben");
        await ben.CheckOutAgendaAsync();
        var raised = new List<Flag>();
        dispatch.FlagsRaised += (_, e) => raised.AddRange(e.Flags);

        await ben.SetWorkOfflineAsync(true);
        await ben.EditWorkOrder("WO-C1").AddHours(3, "after hours").SaveAsync();
        await dispatch.EditWorkOrder("WO-C1").Complete().SaveAsync();
        await dispatch.SyncAsync();
        await ben.SetWorkOfflineAsync(false);
        var flagged = await AssertConvergedAsync("WO-C1", ben, dispatch);

        var flag = Assert.Single(flagged.Flags);
        Assert.Equal(FlagKind.WorkOnClosedOrder, flag.Kind);
        Assert.Equal(0m, flagged.TotalHours);
        Assert.Equal(flag.Id, Assert.Single(raised).Id);
        Assert.Equal(flag.Id, Assert.Single(ben.Flags()).Id);

        await dispatch.ResolveFlagAsync(flag.Id, Resolution.Accept);
        var resolved = await AssertConvergedAsync("WO-C1", dispatch, ben);

        Assert.Equal(3m, resolved.TotalHours);
        Assert.Equal(FlagState.Resolved, Assert.Single(resolved.Flags).State);
        Assert.Empty(ben.Flags());
    }

    [Fact]
    public async Task Concurrent_description_edits_raise_ConcurrentEdit_and_keep_mine_wins_everywhere()
    {
        await using var dispatch = await relay.DeviceAsync("dispatch");
        await using var ana = await relay.DeviceAsync("ana");
        await CreateOrderAsync(dispatch, "WO-D1", "ana");
        await ana.CheckOutAgendaAsync();

        await ana.SetWorkOfflineAsync(true);
        await ana.EditWorkOrder("WO-D1").Set(WorkOrderFields.Description, "seal replaced, pump OK").SaveAsync();
        await dispatch.EditWorkOrder("WO-D1").Set(WorkOrderFields.Description, "customer says it leaks").SaveAsync();
        await dispatch.SyncAsync();
        await ana.SetWorkOfflineAsync(false);
        var flagged = await AssertConvergedAsync("WO-D1", ana, dispatch);

        var flag = Assert.Single(flagged.Flags);
        Assert.Equal(FlagKind.ConcurrentEdit, flag.Kind);
        Assert.Equal(WorkOrderFields.Description, flag.Field);
        var anasText = FieldValue.String("seal replaced, pump OK");
        var mine = flag.LoserValue!.Equals(anasText) ? Resolution.KeepMine : Resolution.KeepTheirs;

        await ana.ResolveFlagAsync(flag.Id, mine);
        var resolved = await AssertConvergedAsync("WO-D1", ana, dispatch);

        Assert.Equal("seal replaced, pump OK", resolved[WorkOrderFields.Description]!.AsString());
        Assert.Equal(FlagState.Resolved, Assert.Single(resolved.Flags).State);
    }

    [Fact]
    public async Task Offline_edits_of_an_order_deleted_meanwhile_raise_EditOnDeleted_and_keep_mine_restores_it()
    {
        await using var dispatch = await relay.DeviceAsync("dispatch");
        await using var ben = await relay.DeviceAsync("ben");
        await CreateOrderAsync(dispatch, "WO-X1", "ben");
        await ben.CheckOutAgendaAsync();

        await ben.SetWorkOfflineAsync(true);
        await ben.EditWorkOrder("WO-X1").AddHours(1.25m).Set(WorkOrderFields.Priority, "urgent").SaveAsync();
        await dispatch.Edit(WorkOrderFields.Collection, "WO-X1").Delete().SaveAsync();
        await dispatch.SyncAsync();
        await ben.SetWorkOfflineAsync(false);
        var flagged = await AssertConvergedAsync("WO-X1", ben, dispatch);

        Assert.True(flagged.IsDeleted);
        var flag = Assert.Single(flagged.Flags);
        Assert.Equal(FlagKind.EditOnDeleted, flag.Kind);

        await dispatch.ResolveFlagAsync(flag.Id, Resolution.KeepMine);
        var restored = await AssertConvergedAsync("WO-X1", dispatch, ben);

        Assert.False(restored.IsDeleted);
        Assert.Equal("urgent", restored[WorkOrderFields.Priority]!.AsString());
        Assert.Equal(1.25m, restored.TotalHours);
    }

    [Fact]
    public async Task Work_offline_holds_changes_back_until_switched_off()
    {
        await using var dispatch = await relay.DeviceAsync("dispatch");
        await using var ana = await relay.DeviceAsync("ana");
        await CreateOrderAsync(dispatch, "WO-W1", "ana");
        await ana.CheckOutAgendaAsync();

        await ana.SetWorkOfflineAsync(true);
        await ana.EditWorkOrder("WO-W1").AddHours(4).SaveAsync();
        var held = await ana.SyncAsync();
        await dispatch.SyncAsync();

        Assert.Equal(0, held.OpsSent);
        Assert.Equal(1, ana.PendingCount);
        Assert.Equal(ConnectivityState.WorkOffline, ana.Connectivity);
        Assert.Equal(0m, dispatch.GetWorkOrder("WO-W1")!.TotalHours);

        await ana.SetWorkOfflineAsync(false);
        var sent = await ana.SyncAsync();
        await dispatch.SyncAsync();

        Assert.Equal(1, sent.OpsSent);
        Assert.Equal(ConnectivityState.Online, ana.Connectivity);
        Assert.Equal(4m, dispatch.GetWorkOrder("WO-W1")!.TotalHours);
    }

    [Fact]
    public async Task Live_sync_brings_another_devices_edit_without_asking()
    {
        await using var dispatch = await relay.DeviceAsync("dispatch");
        await using var ana = await relay.DeviceAsync("ana");
        // How long StopLiveSync waits for the loop: a stop that waited for its own loop would
        // hold the handler below (and so the arrival) for all of it.
        ana.LiveStopWait = TimeSpan.FromSeconds(30);
        await CreateOrderAsync(dispatch, "WO-L1", "ana");
        var arrived = new TaskCompletionSource<ConnectivityState>(TaskCreationOptions.RunContinuationsAsynchronously);
        ana.DocumentsChanged += (_, e) =>
        {
            if (e.FromRelay && ana.GetWorkOrder("WO-L1")?.Priority == "urgent")
            {
                var connectivity = ana.Connectivity;
                // An app may stop live sync from a handler (e.g. the user signs out when told of a
                // change). Handlers run on the live loop, so the stop must not wait for that loop.
                ana.StopLiveSync();
                arrived.TrySetResult(connectivity);
            }
        };

        ana.StartLiveSync();
        await dispatch.EditWorkOrder("WO-L1").Set(WorkOrderFields.Priority, "urgent").SaveAsync();
        await dispatch.SyncAsync();

        var connectivityOnArrival = await arrived.Task.WaitAsync(ana.LiveStopWait / 3);
        Assert.Equal(ConnectivityState.Online, connectivityOnArrival);
    }

    [Fact]
    public async Task A_replica_closed_from_a_live_sync_handler_closes_without_waiting_for_its_own_loop()
    {
        await using var dispatch = await relay.DeviceAsync("dispatch");
        await using var ana = await relay.DeviceAsync("ana");
        ana.LiveStopWait = TimeSpan.FromSeconds(30);
        await CreateOrderAsync(dispatch, "WO-L2", "ana");
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ana.DocumentsChanged += (_, e) =>
        {
            if (e.FromRelay && ana.GetWorkOrder("WO-L2")?.Priority == "urgent")
            {
                // Dispose stops live sync first; on the loop's own thread it must not wait for it.
                ana.Dispose();
                closed.TrySetResult();
            }
        };

        ana.StartLiveSync();
        await dispatch.EditWorkOrder("WO-L2").Set(WorkOrderFields.Priority, "urgent").SaveAsync();
        await dispatch.SyncAsync();

        await closed.Task.WaitAsync(ana.LiveStopWait / 3);
        Assert.Throws<ObjectDisposedException>(() => ana.GetWorkOrder("WO-L2"));
    }
}
