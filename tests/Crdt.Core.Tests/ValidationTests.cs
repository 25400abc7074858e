using Crdt.Core;

namespace Crdt.Core.Tests;

/// <summary>Guards write-time validation: every refused edit names document, field and reason, and leaves no trace (no op, no sequence, no clock tick).</summary>
public sealed class ValidationTests
{
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-7");

    private static Device WithOrder()
    {
        var device = new Device("tablet-1");
        device.Create(Order, "Alex", Device.At(8), m => m
            .Set(WorkOrderFields.Status, WorkOrderStatus.Open)
            .Set(WorkOrderFields.Title, "Leaking tap"));
        return device;
    }

    private static ValidationException Refused(Device device, DocumentKey key, Action<MutationBuilder> build, bool create = false)
    {
        var before = device.Documents.Exists(key) ? device.View(key).ToJson(true) : null;
        var sequence = device.Editor.NextSequence;
        var clock = device.Editor.Clock.Last;
        var error = Assert.Throws<ValidationException>(() =>
        {
            if (create)
            {
                device.Create(key, "Alex", Device.At(9), build);
            }
            else
            {
                device.Edit(key, "Alex", Device.At(9), build);
            }
        });
        Assert.Equal(sequence, device.Editor.NextSequence);
        Assert.Equal(clock, device.Editor.Clock.Last);
        Assert.Equal(before, device.Documents.Exists(key) ? device.View(key).ToJson(true) : null);
        Assert.Equal(key, error.Document);
        Assert.Contains(key.ToString(), error.Message);
        return error;
    }

    [Fact]
    public void Unknown_field_is_refused_naming_it()
    {
        var error = Refused(WithOrder(), Order, m => m.Set("colour", "red"));
        Assert.Equal("colour", error.Field);
        Assert.Contains("unknown field", error.Reason);
        Assert.Contains("'colour'", error.Message);
    }

    [Fact]
    public void Wrong_value_type_is_refused()
    {
        var error = Refused(WithOrder(), Order, m => m.Set(WorkOrderFields.ScheduledStart, "tomorrow"));
        Assert.Equal(WorkOrderFields.ScheduledStart, error.Field);
        Assert.Contains("expected Timestamp, got String", error.Reason);
    }

    [Fact]
    public void A_value_outside_the_allowed_statuses_is_refused()
    {
        var error = Refused(WithOrder(), Order, m => m.Set(WorkOrderFields.Status, "Done"));
        Assert.Equal(WorkOrderFields.Status, error.Field);
        Assert.Contains("'Done' is not one of open, scheduled", error.Reason);
    }

    [Fact]
    public void Creating_without_a_required_field_is_refused_and_creates_nothing()
    {
        var device = new Device("tablet-1");
        var error = Refused(device, Order, m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Open), create: true);
        Assert.Equal(WorkOrderFields.Title, error.Field);
        Assert.Contains("required when creating", error.Reason);
        Assert.False(device.Documents.Exists(Order));
    }

    [Fact]
    public void A_bad_mutation_after_good_ones_refuses_the_whole_edit()
    {
        var error = Refused(WithOrder(), Order, m => m
            .Set(WorkOrderFields.Description, "fine")
            .Add(WorkOrderFields.TimeEntries, "te-1", (TimeEntryFields.Hours, "two")));
        Assert.Equal(WorkOrderFields.TimeEntries, error.Field);
        Assert.Contains("element field 'hours' has the wrong type", error.Reason);
    }

    [Fact]
    public void An_element_without_its_required_field_is_refused()
    {
        var error = Refused(WithOrder(), Order, m => m.Add(WorkOrderFields.PartsUsed, "p-1", (PartUsedFields.Sku, "VALVE-3")));
        Assert.Equal(WorkOrderFields.PartsUsed, error.Field);
        Assert.Contains("'qty' is required", error.Reason);
    }

    [Fact]
    public void Parts_added_to_a_cancelled_order_are_refused()
    {
        var device = WithOrder();
        device.Edit(Order, "Dana", Device.At(8, 30), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Cancelled));
        var error = Refused(device, Order, m => m.Add(WorkOrderFields.PartsUsed, "p-1", (PartUsedFields.Qty, 1m)));
        Assert.Equal(WorkOrderFields.PartsUsed, error.Field);
        Assert.Contains("is cancelled", error.Reason);
    }

    [Fact]
    public void Reopening_and_adding_hours_in_one_edit_is_allowed()
    {
        var device = WithOrder();
        // Reopening a closed order is a dispatcher's step (issue 17).
        device.Editor.Authority = StatusAuthority.Dispatch;
        device.Edit(Order, "Dana", Device.At(8, 30), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Completed));
        device.Edit(Order, "Alex", Device.At(9), m => m
            .Set(WorkOrderFields.Status, WorkOrderStatus.InProgress)
            .Add(WorkOrderFields.TimeEntries, "te-1", (TimeEntryFields.Hours, 1.5m)));
        Assert.Equal(1.5m, device.View(Order).TotalHours);
        Assert.Empty(device.Documents.Flags(Order));
    }

    [Fact]
    public void Unknown_collection_missing_document_and_deleted_document_are_refused()
    {
        var device = WithOrder();
        Assert.Contains("unknown collection 'Truck'", Refused(device, new DocumentKey("Truck", "t1"), m => m.Set("x", 1L), create: true).Reason);
        Assert.Contains("does not exist", Refused(device, new DocumentKey(WorkOrderFields.Collection, "nope"), m => m.Set(WorkOrderFields.Title, "x")).Reason);
        Assert.Contains("already exists", Refused(device, Order, m => m.Set(WorkOrderFields.Title, "x").Set(WorkOrderFields.Status, "open"), create: true).Reason);
        device.Delete(Order, "Dana", Device.At(8, 45));
        Assert.Contains("is deleted", Refused(device, Order, m => m.Set(WorkOrderFields.Title, "again")).Reason);
    }

    [Fact]
    public void Changing_a_missing_element_and_resolving_an_unknown_flag_are_refused()
    {
        var device = WithOrder();
        var error = Refused(device, Order, m => m.SetElement(WorkOrderFields.Checklist, "c-9", ChecklistFields.Done, true));
        Assert.Contains("no element 'c-9'", error.Reason);
        Assert.Contains("no flag 'ce-x'", Refused(device, Order, m => m.Add(new ResolveFlag("ce-x", Resolution.KeepMine))).Reason);
        Assert.Throws<ValidationException>(() => device.Editor.Resolve("ce-x", Resolution.KeepMine, "Alex", Device.At(9)));
    }

    [Fact]
    public void Setting_an_OR_set_as_a_value_or_adding_to_a_register_is_refused()
    {
        var device = WithOrder();
        Assert.Contains("OR-set", Refused(device, Order, m => m.Set(WorkOrderFields.Notes, "hello")).Reason);
        Assert.Contains("single value", Refused(device, Order, m => m.Add(WorkOrderFields.Title, "x")).Reason);
    }
}
