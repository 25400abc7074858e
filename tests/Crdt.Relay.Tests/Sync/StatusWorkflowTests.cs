using Crdt.Core;
using Grpc.Core;
using Crdt.Relay.Services;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Sync;

/// <summary>
/// Guards issue 17 on the relay: a StatusConflict raised by a dispatcher's cancel and a
/// technician's offline start is listed by ListFlags with both writes, authors and times, the
/// order stays cancelled until ResolveFlag, and a pushed status move its author made from a
/// closed order it had seen is refused like on the device.
/// </summary>
public sealed class StatusWorkflowTests : RelayTestBase
{
    private RelayClient _dispatcher = null!;
    private RelayClient _technician = null!;

    protected override async Task SetUpAsync()
    {
        _dispatcher = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        _technician = await Relay.DeviceAsync("tom", DeviceRoleKind.Technician);
    }

    private static FieldValue Status(string state) => FieldValue.String(state);

    [Fact]
    public async Task A_cancel_and_an_offline_start_are_listed_as_a_StatusConflict_and_the_order_stays_cancelled_until_resolved()
    {
        var board = new Device("board-1", "dina");
        var truck = new Device("truck-1", "tom");
        var created = board.CreateOrder("wo-1", "tom");
        truck.Receive([created]);
        await _dispatcher.PushAsync(created);
        var cancel = board.Set(Device.Order("wo-1"), WorkOrderFields.Status, Status(WorkOrderStatus.Cancelled));
        await _dispatcher.PushAsync(cancel);
        await Task.Delay(5);
        // The truck never saw the cancel: its later start is concurrent with it.
        var start = truck.Set(Device.Order("wo-1"), WorkOrderFields.Status, Status(WorkOrderStatus.InProgress));
        await _technician.PushAsync(start);

        var flag = Assert.Single((await _dispatcher.ListFlagsAsync(new Wire.ListFlagsRequest())).Flags);
        var shown = await _dispatcher.GetAsync("WorkOrder", "wo-1");
        var resolved = await _dispatcher.ResolveFlagAsync(new Wire.ResolveFlagRequest
        {
            Document = flag.Document, FlagId = flag.Id, Resolution = Wire.Resolution.KeepMine,
        });

        Assert.Equal(Wire.FlagKind.StatusConflict, flag.Kind);
        Assert.Equal("review", flag.Severity);
        Assert.Equal("status", flag.Field);
        Assert.Equal((WorkOrderStatus.Cancelled, "dina", cancel.Hlc.WallMs), (flag.WinnerValue.StringValue, flag.WinnerAuthor, flag.WinnerTimeMs));
        Assert.Equal((WorkOrderStatus.InProgress, "tom", start.Hlc.WallMs), (flag.LoserValue.StringValue, flag.LoserAuthor, flag.LoserTimeMs));
        Assert.Equal(WorkOrderStatus.Cancelled, shown.Fields["status"].StringValue);
        Assert.Equal(WorkOrderStatus.InProgress, resolved.Document.Fields["status"].StringValue);
        Assert.Equal((Wire.Resolution.KeepMine, "dina"), (resolved.Flag.Resolution, resolved.Flag.ResolvedBy));
        Assert.Empty((await _dispatcher.ListFlagsAsync(new Wire.ListFlagsRequest())).Flags);
    }

    [Fact]
    public async Task A_pushed_reopen_of_an_order_its_technician_saw_completed_is_refused_and_a_dispatcher_may_reopen()
    {
        var board = new Device("board-1", "dina");
        var created = board.CreateOrder("wo-2", "tom");
        var completed = board.Set(Device.Order("wo-2"), WorkOrderFields.Status, Status(WorkOrderStatus.Completed));
        await _dispatcher.PushAsync(created, completed);
        // A device that skips the workflow check (old or modified client) after seeing the order completed.
        var truck = new Device("truck-2", "tom");
        truck.Editor.Authority = StatusAuthority.Dispatch;
        truck.Receive([created, completed]);
        var reopen = truck.Set(Device.Order("wo-2"), WorkOrderFields.Status, Status(WorkOrderStatus.InProgress));

        var error = await Assert.ThrowsAsync<RpcException>(() => _technician.PushAsync(reopen));
        var byDispatcher = await _dispatcher.MutateAsync("WorkOrder", "wo-2", 0,
            new Wire.Mutation { SetField = new Wire.SetField { Field = "status", Value = new Wire.FieldValue { StringValue = WorkOrderStatus.InProgress } } });

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("field 'status'", error.Status.Detail);
        Assert.Contains("only a dispatcher may reopen it", error.Status.Detail);
        Assert.Equal(WorkOrderStatus.InProgress, byDispatcher.Document.Fields["status"].StringValue);
    }
}
