using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// Guards issue 17's seed scenario through a real relay: the dispatcher cancels an order online,
/// the technician, offline, starts it later; after the sync every replica (and a fresh device)
/// shows one StatusConflict and the order cancelled, until a dispatcher resolves it.
/// </summary>
public sealed class StatusConflictScenarioTests(RelayFixture relay) : IClassFixture<RelayFixture>
{
    private static readonly ReplicaOptions DispatchOptions = new() { StatusAuthority = StatusAuthority.Dispatch };

    private static DocumentKey Order(string id) => new(WorkOrderFields.Collection, id);

    /// <summary>Syncs every device (the one with pending changes first), then checks each shows what a fresh device pulled from the relay shows.</summary>
    private async Task<DocumentView> ConvergedAsync(string id, params DeviceReplica[] devices)
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
            Assert.Equal(truth.ToJson(includeTotalsAndFlags: true), device.Get(Order(id))!.ToJson(includeTotalsAndFlags: true));
        }
        return truth;
    }

    [Fact]
    public async Task Cancelled_online_and_started_offline_later_flag_one_StatusConflict_everywhere_and_stay_cancelled_until_resolved()
    {
        await using var dispatch = await relay.DeviceAsync("dispatch", DispatchOptions);
        await using var ana = await relay.DeviceAsync("ana");
        await dispatch.Create(WorkOrderFields.Collection, "WO-S1")
            .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled)
            .Set(WorkOrderFields.Title, "Boiler service")
            .Set(WorkOrderFields.Assignee, "ana")
            .SaveAsync();
        await dispatch.SyncAsync();
        await ana.CheckOutAgendaAsync();

        await ana.SetWorkOfflineAsync(true);
        await dispatch.EditWorkOrder("WO-S1").Set(WorkOrderFields.Status, FieldValue.String(WorkOrderStatus.Cancelled)).SaveAsync();
        await dispatch.SyncAsync();
        await Task.Delay(20);
        await ana.EditWorkOrder("WO-S1").Set(WorkOrderFields.Status, FieldValue.String(WorkOrderStatus.InProgress)).SaveAsync();
        await ana.SetWorkOfflineAsync(false);
        var flagged = await ConvergedAsync("WO-S1", ana, dispatch);

        var flag = Assert.Single(flagged.Flags);
        Assert.Equal(FlagKind.StatusConflict, flag.Kind);
        Assert.Equal((WorkOrderStatus.Cancelled, WorkOrderStatus.InProgress), (flag.WinnerValue!.AsString(), flag.LoserValue!.AsString()));
        Assert.Equal(("dispatch", "ana"), (flag.WinnerAuthor, flag.LoserAuthor));
        Assert.True(flag.LoserAt > flag.WinnerAt, "the offline start was made after the cancel");
        Assert.Equal(WorkOrderStatus.Cancelled, flagged[WorkOrderFields.Status]!.AsString());
        Assert.Equal(flag.Id, Assert.Single(ana.Flags()).Id);
        Assert.Equal(flag.Id, Assert.Single(dispatch.Flags()).Id);
        // The technician's device refuses to reopen it by keep-mine: that is a dispatcher's call.
        await Assert.ThrowsAsync<ValidationException>(() => ana.ResolveFlagAsync(flag.Id, Resolution.KeepMine));

        await dispatch.ResolveFlagAsync(flag.Id, Resolution.KeepMine);
        var resolved = await ConvergedAsync("WO-S1", dispatch, ana);

        Assert.Equal(WorkOrderStatus.InProgress, resolved[WorkOrderFields.Status]!.AsString());
        Assert.Equal(FlagState.Resolved, Assert.Single(resolved.Flags).State);
        Assert.Empty(ana.Flags());
    }
}
