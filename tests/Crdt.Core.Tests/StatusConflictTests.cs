using Crdt.Core;

namespace Crdt.Core.Tests;

/// <summary>
/// Guards issue 17's StatusConflict: concurrent status writes that close or reopen an order are
/// flagged on every replica instead of settling silently by time, the closing state is shown
/// until a person resolves the flag, and agreeing or ordinary progress writes are not flagged.
/// </summary>
public sealed class StatusConflictTests
{
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-2001");

    /// <summary>A dispatcher (online), a technician's tablet (offline from 9:00) and a second dispatch screen, all holding the scheduled order.</summary>
    private static (Device Dispatch, Device Tech, Device Board) ScheduledOrder()
    {
        var dispatch = new Device("dispatch-a");
        dispatch.Editor.Authority = StatusAuthority.Dispatch;
        var tech = new Device("tablet-b");
        var board = new Device("board-c");
        board.Editor.Authority = StatusAuthority.Dispatch;
        dispatch.Create(Order, "Dana", Device.At(8), m => m
            .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled)
            .Set(WorkOrderFields.Title, "Boiler service"));
        Device.Exchange(dispatch, tech, Device.At(8, 5));
        board.ReceiveFrom(dispatch, Device.At(8, 5));
        return (dispatch, tech, board);
    }

    /// <summary>Every device receives every op any of them made.</summary>
    private static void SyncAll(long wallMs, params Device[] devices)
    {
        foreach (var to in devices)
        {
            foreach (var from in devices)
            {
                to.ReceiveFrom(from, wallMs);
            }
        }
    }

    /// <summary>The seed: cancelled at 10:30 online, "in progress" at 11:00 offline, synced at 14:00.</summary>
    private static (Device Dispatch, Device Tech, Device Board, Flag Flag) CancelledWhileStartedOffline()
    {
        var (dispatch, tech, board) = ScheduledOrder();
        dispatch.Edit(Order, "Dana", Device.At(10, 30), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Cancelled));
        board.ReceiveFrom(dispatch, Device.At(10, 31));
        tech.Edit(Order, "Alex", Device.At(11), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.InProgress));
        SyncAll(Device.At(14), dispatch, tech, board);
        return (dispatch, tech, board, Assert.Single(dispatch.Documents.Flags(Order)));
    }

    [Fact]
    public void Cancelled_online_and_started_offline_later_raise_one_StatusConflict_on_every_replica_and_stay_cancelled()
    {
        var (dispatch, tech, board, flag) = CancelledWhileStartedOffline();

        Assert.Equal(FlagKind.StatusConflict, flag.Kind);
        Assert.Equal(FlagSeverity.Review, flag.Severity);
        Assert.Equal(FlagState.Open, flag.State);
        Assert.StartsWith("sc-", flag.Id);
        Assert.Equal(WorkOrderFields.Status, flag.Field);
        Assert.Equal(WorkOrderStatus.Cancelled, flag.WinnerValue!.AsString());
        Assert.Equal(WorkOrderStatus.InProgress, flag.LoserValue!.AsString());
        Assert.Equal(("Dana", "Alex"), (flag.WinnerAuthor, flag.LoserAuthor));
        Assert.Equal(Device.At(10, 30), flag.WinnerAt!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(Device.At(11), flag.LoserAt!.Value.ToUnixTimeMilliseconds());
        Assert.Contains("10:30", flag.Message);
        Assert.Contains("11:00", flag.Message);
        foreach (var device in new[] { dispatch, tech, board })
        {
            var same = Assert.Single(device.Documents.Flags(Order));
            Assert.Equal((flag.Id, flag.Message), (same.Id, same.Message));
            // The later write does not win by time: a cancelled order never reopens silently.
            Assert.Equal(WorkOrderStatus.Cancelled, device.View(Order)[WorkOrderFields.Status]!.AsString());
        }
        Assert.Equal(dispatch.View(Order).ToJson(true), tech.View(Order).ToJson(true));
        Assert.Equal(dispatch.View(Order).ToJson(true), board.View(Order).ToJson(true));
    }

    [Fact]
    public void While_the_conflict_is_open_the_technician_sees_a_cancelled_order_and_cannot_log_work_or_restart_it()
    {
        var (_, tech, _, _) = CancelledWhileStartedOffline();

        var work = Assert.Throws<ValidationException>(() =>
            tech.Edit(Order, "Alex", Device.At(14, 5), m => m.Add(WorkOrderFields.TimeEntries, "te-1", (TimeEntryFields.Hours, 1m))));
        Assert.Contains("is cancelled", work.Reason);
        var restart = Assert.Throws<ValidationException>(() =>
            tech.Edit(Order, "Alex", Device.At(14, 5), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.OnHold)));
        Assert.Equal(WorkOrderFields.Status, restart.Field);
        Assert.Contains("cancelled, which closes it", restart.Reason);
    }

    [Fact]
    public void Keep_mine_by_a_dispatcher_restarts_the_order_on_every_replica()
    {
        var (dispatch, tech, board, flag) = CancelledWhileStartedOffline();

        board.Resolve(flag.Id, Resolution.KeepMine, "Sam (dispatch)", Device.At(14, 10));
        SyncAll(Device.At(14, 20), dispatch, tech, board);

        foreach (var device in new[] { dispatch, tech, board })
        {
            Assert.Equal(WorkOrderStatus.InProgress, device.View(Order)[WorkOrderFields.Status]!.AsString());
            var resolved = Assert.Single(device.Documents.Flags(Order));
            Assert.Equal((FlagState.Resolved, Resolution.KeepMine, "Sam (dispatch)"), (resolved.State, resolved.Resolution, resolved.ResolvedByAuthor));
        }
        // Restarted: the technician may log work again.
        tech.Edit(Order, "Alex", Device.At(14, 30), m => m.Add(WorkOrderFields.TimeEntries, "te-1", (TimeEntryFields.Hours, 2m)));
        Assert.Equal(2m, tech.View(Order).TotalHours);
    }

    [Fact]
    public void Keep_theirs_keeps_the_order_cancelled_although_the_other_write_is_later()
    {
        var (dispatch, tech, board, flag) = CancelledWhileStartedOffline();

        tech.Resolve(flag.Id, Resolution.KeepTheirs, "Alex", Device.At(14, 10));
        SyncAll(Device.At(14, 20), dispatch, tech, board);

        foreach (var device in new[] { dispatch, tech, board })
        {
            Assert.Equal(WorkOrderStatus.Cancelled, device.View(Order)[WorkOrderFields.Status]!.AsString());
            Assert.Equal(FlagState.Resolved, Assert.Single(device.Documents.Flags(Order)).State);
        }
    }

    [Fact]
    public void A_technician_cannot_reopen_the_order_by_keep_mine()
    {
        var (_, tech, _, flag) = CancelledWhileStartedOffline();

        var error = Assert.Throws<ValidationException>(() => tech.Resolve(flag.Id, Resolution.KeepMine, "Alex", Device.At(14, 10)));
        Assert.Contains("only a dispatcher may reopen", error.Reason);
        Assert.Equal(FlagState.Open, Assert.Single(tech.Documents.Flags(Order)).State);
    }

    [Fact]
    public void Completed_overwritten_by_a_stale_on_hold_is_flagged_and_stays_completed()
    {
        var (dispatch, tech, _) = ScheduledOrder();
        tech.Edit(Order, "Alex", Device.At(9), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.InProgress));
        Device.Exchange(dispatch, tech, Device.At(9, 5));
        tech.Edit(Order, "Alex", Device.At(12), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.OnHold));
        dispatch.Edit(Order, "Dana", Device.At(11), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Completed));
        Device.Exchange(dispatch, tech, Device.At(14));

        foreach (var device in new[] { dispatch, tech })
        {
            var flag = Assert.Single(device.Documents.Flags(Order));
            Assert.Equal((WorkOrderStatus.Completed, WorkOrderStatus.OnHold), (flag.WinnerValue!.AsString(), flag.LoserValue!.AsString()));
            Assert.Equal(WorkOrderStatus.Completed, device.View(Order)[WorkOrderFields.Status]!.AsString());
        }
    }

    [Fact]
    public void Completing_and_cancelling_at_once_is_flagged_and_the_later_closing_state_is_shown()
    {
        var (dispatch, tech, _) = ScheduledOrder();
        tech.Edit(Order, "Alex", Device.At(10), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Completed));
        dispatch.Edit(Order, "Dana", Device.At(10, 30), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Cancelled));
        Device.Exchange(dispatch, tech, Device.At(14));

        var flag = Assert.Single(tech.Documents.Flags(Order));
        Assert.Equal((WorkOrderStatus.Cancelled, WorkOrderStatus.Completed), (flag.WinnerValue!.AsString(), flag.LoserValue!.AsString()));
        Assert.Equal(WorkOrderStatus.Cancelled, tech.View(Order)[WorkOrderFields.Status]!.AsString());
        Assert.Equal(flag.Id, Assert.Single(dispatch.Documents.Flags(Order)).Id);
    }

    [Fact]
    public void Concurrent_writes_that_agree_or_are_both_progress_steps_are_not_flagged_and_settle_by_time()
    {
        var (dispatch, tech, _) = ScheduledOrder();
        tech.Edit(Order, "Alex", Device.At(10), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.EnRoute));
        dispatch.Edit(Order, "Dana", Device.At(10, 30), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.InProgress));
        Device.Exchange(dispatch, tech, Device.At(11));
        Assert.Empty(tech.Documents.Flags(Order));
        Assert.Equal(WorkOrderStatus.InProgress, tech.View(Order)[WorkOrderFields.Status]!.AsString());

        tech.Edit(Order, "Alex", Device.At(12), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Completed));
        dispatch.Edit(Order, "Dana", Device.At(12, 1), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Completed));
        Device.Exchange(dispatch, tech, Device.At(13));
        Assert.Empty(tech.Documents.Flags(Order));
        Assert.Empty(dispatch.Documents.Flags(Order));
        Assert.Equal(WorkOrderStatus.Completed, dispatch.View(Order)[WorkOrderFields.Status]!.AsString());
    }

    [Fact]
    public void A_reopen_concurrent_with_a_write_that_never_saw_the_order_closed_is_flagged()
    {
        var (dispatch, tech, board) = ScheduledOrder();
        tech.Edit(Order, "Alex", Device.At(9), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.InProgress));
        SyncAll(Device.At(9, 5), dispatch, tech, board);
        dispatch.Edit(Order, "Dana", Device.At(10), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Completed));
        board.ReceiveFrom(dispatch, Device.At(10, 5));
        board.Edit(Order, "Sam", Device.At(11), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.InProgress));
        tech.Edit(Order, "Alex", Device.At(11, 30), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.OnHold));
        SyncAll(Device.At(12), dispatch, tech, board);

        // Sam reopened what he saw completed; Alex, offline, paused what he saw in progress.
        var flag = Assert.Single(tech.Documents.Flags(Order));
        Assert.Equal(FlagKind.StatusConflict, flag.Kind);
        Assert.Equal((WorkOrderStatus.OnHold, WorkOrderStatus.InProgress), (flag.WinnerValue!.AsString(), flag.LoserValue!.AsString()));
        Assert.Equal(("Alex", "Sam"), (flag.WinnerAuthor, flag.LoserAuthor));
        Assert.Equal(flag.Id, Assert.Single(dispatch.Documents.Flags(Order)).Id);
    }

    [Fact]
    public void A_later_status_write_that_saw_both_sides_settles_the_conflict()
    {
        var (dispatch, tech, board, _) = CancelledWhileStartedOffline();

        dispatch.Edit(Order, "Dana", Device.At(15), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Open));
        SyncAll(Device.At(15, 5), dispatch, tech, board);

        Assert.Empty(tech.Documents.Flags(Order));
        Assert.Equal(WorkOrderStatus.Open, tech.View(Order)[WorkOrderFields.Status]!.AsString());
    }

    [Fact]
    public void The_flag_survives_a_snapshot_round_trip_with_the_same_id_and_shown_state()
    {
        var (dispatch, _, _, flag) = CancelledWhileStartedOffline();

        var copy = new DocumentSet(SchemaRegistry.CreateDefault());
        copy.MergeSnapshot(dispatch.Documents.EncodeSnapshot(Order));

        Assert.Equal(flag.Id, Assert.Single(copy.Flags(Order)).Id);
        Assert.Equal(WorkOrderStatus.Cancelled, copy.View(Order)[WorkOrderFields.Status]!.AsString());
    }
}
