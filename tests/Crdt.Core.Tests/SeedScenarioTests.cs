using Crdt.Core;

namespace Crdt.Core.Tests;

/// <summary>Guards the four seed scenarios of the issue: field-level merge and the three semantic flags, on both replicas.</summary>
public sealed class SeedScenarioTests
{
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-1001");

    private static (Device Tech, Device Dispatch) CreateOrder()
    {
        var tech = new Device("tablet-a");
        var dispatch = new Device("dispatch-b");
        dispatch.Create(Order, "Dana (dispatch)", Device.At(8), m => m
            .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled)
            .Set(WorkOrderFields.Title, "Boiler service")
            .Set(WorkOrderFields.Description, "Annual service of the boiler"));
        Device.Exchange(tech, dispatch, Device.At(8, 5));
        return (tech, dispatch);
    }

    [Fact]
    public void Offline_status_and_online_description_both_stand_after_exchange()
    {
        var (tech, dispatch) = CreateOrder();
        tech.Edit(Order, "Alex", Device.At(10), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.InProgress));
        dispatch.Edit(Order, "Dana", Device.At(10, 30), m => m.Set(WorkOrderFields.Description, "Annual service; customer reports noise"));

        Device.Exchange(tech, dispatch, Device.At(14));

        foreach (var device in new[] { tech, dispatch })
        {
            var view = device.View(Order);
            Assert.Equal(WorkOrderStatus.InProgress, view[WorkOrderFields.Status]!.AsString());
            Assert.Equal("Annual service; customer reports noise", view[WorkOrderFields.Description]!.AsString());
            Assert.Empty(device.Documents.Flags(Order));
        }
        Assert.Equal(tech.View(Order).ToJson(), dispatch.View(Order).ToJson());
    }

    private static (Device Tech, Device Dispatch, Flag Flag) HoursOnCompletedOrder()
    {
        var (tech, dispatch) = CreateOrder();
        tech.Edit(Order, "Alex", Device.At(9), m => m.Add(WorkOrderFields.TimeEntries, "te-1", (TimeEntryFields.Hours, 1m), (TimeEntryFields.Tech, "Alex")));
        Device.Exchange(tech, dispatch, Device.At(9, 30));

        tech.Edit(Order, "Alex", Device.At(10), m => m.Add(WorkOrderFields.TimeEntries, "te-2", (TimeEntryFields.Hours, 2.5m), (TimeEntryFields.Tech, "Alex")));
        dispatch.Edit(Order, "Dana", Device.At(10, 30), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Completed));
        Device.Exchange(tech, dispatch, Device.At(14));

        var flags = tech.Documents.Flags(Order);
        var flag = Assert.Single(flags);
        return (tech, dispatch, flag);
    }

    [Fact]
    public void Hours_added_offline_to_an_order_completed_meanwhile_raise_WorkOnClosedOrder_and_do_not_count()
    {
        var (tech, dispatch, flag) = HoursOnCompletedOrder();

        Assert.Equal(FlagKind.WorkOnClosedOrder, flag.Kind);
        Assert.Equal(FlagSeverity.Error, flag.Severity);
        Assert.Equal(WorkOrderFields.TimeEntries, flag.Field);
        Assert.Equal("te-2", flag.ElementId);
        Assert.Equal(FlagState.Open, flag.State);
        Assert.Equal(2.5m, flag.LoserValue!.AsDecimal());
        Assert.Equal(WorkOrderStatus.Completed, flag.WinnerValue!.AsString());
        Assert.Contains("te-2", flag.Message);
        foreach (var device in new[] { tech, dispatch })
        {
            var same = Assert.Single(device.Documents.Flags(Order));
            Assert.Equal(flag.Id, same.Id);
            var view = device.View(Order);
            Assert.Equal(1m, view.TotalHours);
            var entry = Assert.Single(view.Elements(WorkOrderFields.TimeEntries), e => e.Id == "te-2");
            Assert.False(entry.CountsInTotals);
        }
    }

    [Fact]
    public void Accepting_work_on_a_closed_order_makes_it_count_on_both_replicas()
    {
        var (tech, dispatch, flag) = HoursOnCompletedOrder();
        dispatch.Resolve(flag.Id, Resolution.Accept, "Dana", Device.At(15));
        Device.Exchange(tech, dispatch, Device.At(15, 5));

        foreach (var device in new[] { tech, dispatch })
        {
            Assert.Equal(3.5m, device.View(Order).TotalHours);
            var resolved = Assert.Single(device.Documents.Flags(Order));
            Assert.Equal(FlagState.Resolved, resolved.State);
            Assert.Equal(Resolution.Accept, resolved.Resolution);
        }
    }

    [Fact]
    public void Discarding_work_on_a_closed_order_removes_the_entry_on_both_replicas()
    {
        var (tech, dispatch, flag) = HoursOnCompletedOrder();
        tech.Resolve(flag.Id, Resolution.Discard, "Alex", Device.At(15));
        Device.Exchange(tech, dispatch, Device.At(15, 5));

        foreach (var device in new[] { tech, dispatch })
        {
            var view = device.View(Order);
            Assert.Equal(1m, view.TotalHours);
            Assert.DoesNotContain(view.Elements(WorkOrderFields.TimeEntries), e => e.Id == "te-2");
            Assert.Equal(Resolution.Discard, Assert.Single(device.Documents.Flags(Order)).Resolution);
        }
    }

    [Fact]
    public void Adding_hours_to_an_order_the_device_already_sees_completed_is_refused_and_changes_nothing()
    {
        var (tech, dispatch) = CreateOrder();
        dispatch.Edit(Order, "Dana", Device.At(10), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Completed));
        tech.ReceiveFrom(dispatch, Device.At(10, 1));
        var before = tech.View(Order).ToJson();
        var sequence = tech.Editor.NextSequence;

        var error = Assert.Throws<ValidationException>(() =>
            tech.Edit(Order, "Alex", Device.At(11), m => m.Add(WorkOrderFields.TimeEntries, "te-9", (TimeEntryFields.Hours, 2m))));

        Assert.Equal(Order, error.Document);
        Assert.Equal(WorkOrderFields.TimeEntries, error.Field);
        Assert.Contains("completed", error.Message);
        Assert.Contains("wo-1001", error.Message);
        Assert.Equal(before, tech.View(Order).ToJson());
        Assert.Equal(sequence, tech.Editor.NextSequence);
    }

    private static (Device Tech, Device Dispatch, Flag Flag) ConcurrentDescriptions()
    {
        var (tech, dispatch) = CreateOrder();
        tech.Edit(Order, "Alex", Device.At(10), m => m.Set(WorkOrderFields.Description, "Valve replaced, pressure fine"));
        dispatch.Edit(Order, "Dana", Device.At(10, 30), m => m.Set(WorkOrderFields.Description, "Customer asks to check the radiators too"));
        Device.Exchange(tech, dispatch, Device.At(14));
        var flag = Assert.Single(tech.Documents.Flags(Order));
        Assert.Equal(flag.Id, Assert.Single(dispatch.Documents.Flags(Order)).Id);
        return (tech, dispatch, flag);
    }

    [Fact]
    public void Two_concurrent_description_edits_raise_ConcurrentEdit_with_both_texts()
    {
        var (tech, dispatch, flag) = ConcurrentDescriptions();

        Assert.Equal(FlagKind.ConcurrentEdit, flag.Kind);
        Assert.Equal(FlagSeverity.Review, flag.Severity);
        Assert.Equal(WorkOrderFields.Description, flag.Field);
        Assert.Equal("Customer asks to check the radiators too", flag.WinnerValue!.AsString());
        Assert.Equal("Valve replaced, pressure fine", flag.LoserValue!.AsString());
        Assert.Equal("Alex", flag.LoserAuthor);
        Assert.Equal(2, flag.Dots.Count);
        foreach (var device in new[] { tech, dispatch })
        {
            Assert.Equal("Customer asks to check the radiators too", device.View(Order)[WorkOrderFields.Description]!.AsString());
        }
    }

    [Fact]
    public void Keep_theirs_keeps_the_winner_on_both_replicas()
    {
        var (tech, dispatch, flag) = ConcurrentDescriptions();
        tech.Resolve(flag.Id, Resolution.KeepTheirs, "Alex", Device.At(15));
        Device.Exchange(tech, dispatch, Device.At(15, 5));

        foreach (var device in new[] { tech, dispatch })
        {
            Assert.Equal("Customer asks to check the radiators too", device.View(Order)[WorkOrderFields.Description]!.AsString());
            Assert.Equal(Resolution.KeepTheirs, Assert.Single(device.Documents.Flags(Order)).Resolution);
        }
        Assert.Equal(tech.View(Order).ToJson(true), dispatch.View(Order).ToJson(true));
    }

    [Fact]
    public void Keep_mine_restores_the_losing_text_on_both_replicas()
    {
        var (tech, dispatch, flag) = ConcurrentDescriptions();
        tech.Resolve(flag.Id, Resolution.KeepMine, "Alex", Device.At(15));
        Device.Exchange(tech, dispatch, Device.At(15, 5));

        foreach (var device in new[] { tech, dispatch })
        {
            Assert.Equal("Valve replaced, pressure fine", device.View(Order)[WorkOrderFields.Description]!.AsString());
            Assert.Equal(FlagState.Resolved, Assert.Single(device.Documents.Flags(Order)).State);
        }
        Assert.Equal(tech.View(Order).ToJson(true), dispatch.View(Order).ToJson(true));
    }

    [Fact]
    public void Concurrent_opposite_resolutions_converge_on_the_later_one()
    {
        var (tech, dispatch, flag) = ConcurrentDescriptions();
        tech.Resolve(flag.Id, Resolution.KeepMine, "Alex", Device.At(15));
        dispatch.Resolve(flag.Id, Resolution.KeepTheirs, "Dana", Device.At(15, 1));
        Device.Exchange(tech, dispatch, Device.At(16));

        foreach (var device in new[] { tech, dispatch })
        {
            var resolved = Assert.Single(device.Documents.Flags(Order));
            Assert.Equal(Resolution.KeepTheirs, resolved.Resolution);
            Assert.Equal("Dana", resolved.ResolvedByAuthor);
            Assert.Equal("Customer asks to check the radiators too", device.View(Order)[WorkOrderFields.Description]!.AsString());
        }
    }

    [Fact]
    public void An_edit_concurrent_with_deleting_the_order_raises_EditOnDeleted_and_keep_mine_restores_it()
    {
        var (tech, dispatch) = CreateOrder();
        tech.Edit(Order, "Alex", Device.At(10), m => m.Add(WorkOrderFields.Notes, "n-1", (NoteFields.Text, "Access code 4411")));
        dispatch.Delete(Order, "Dana", Device.At(10, 30));
        Device.Exchange(tech, dispatch, Device.At(14));

        Flag? flag = null;
        foreach (var device in new[] { tech, dispatch })
        {
            var found = Assert.Single(device.Documents.Flags(Order));
            Assert.Equal(FlagKind.EditOnDeleted, found.Kind);
            Assert.Equal(FlagSeverity.Review, found.Severity);
            Assert.Equal("Dana", found.WinnerAuthor);
            Assert.Equal("Alex", found.LoserAuthor);
            Assert.True(device.View(Order).IsDeleted);
            Assert.True(flag is null || flag.Id == found.Id);
            flag = found;
        }

        tech.Resolve(flag!.Id, Resolution.KeepMine, "Alex", Device.At(15));
        Device.Exchange(tech, dispatch, Device.At(15, 5));
        foreach (var device in new[] { tech, dispatch })
        {
            var view = device.View(Order);
            Assert.False(view.IsDeleted);
            Assert.Equal("Access code 4411", Assert.Single(view.Elements(WorkOrderFields.Notes))[NoteFields.Text]!.AsString());
        }
    }
}
