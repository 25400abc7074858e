using Crdt.Core;

namespace Crdt.Core.Tests;

/// <summary>
/// Guards issue 17's declared workflow: the seed's status tags exist, write time refuses a move
/// the author's view does not allow (and nothing of it is applied), a technician may skip forward
/// but never leaves a closed state, a dispatcher reopens, strict workflows hold everyone to their
/// steps, and an application extends the built-in workflow without redefining WorkOrder.
/// </summary>
public sealed class WorkflowTests
{
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-3001");

    private static Device WithOrder(string status, SchemaRegistry? schemas = null, StatusAuthority authority = StatusAuthority.Field)
    {
        var device = new Device("tablet-1", schemas);
        device.Editor.Authority = authority;
        device.Create(Order, "Alex", Device.At(8), m => m.Set(WorkOrderFields.Status, status).Set(WorkOrderFields.Title, "Leaking tap"));
        return device;
    }

    private static ValidationException RefusedMove(Device device, string to)
    {
        var before = device.View(Order).ToJson(true);
        var sequence = device.Editor.NextSequence;
        var error = Assert.Throws<ValidationException>(() => device.Edit(Order, "Alex", Device.At(9), m => m.Set(WorkOrderFields.Status, to)));
        Assert.Equal(WorkOrderFields.Status, error.Field);
        Assert.Equal(sequence, device.Editor.NextSequence);
        Assert.Equal(before, device.View(Order).ToJson(true));
        return error;
    }

    private static string StatusOf(Device device) => device.View(Order)[WorkOrderFields.Status]!.AsString();

    [Fact]
    public void The_seeds_status_tags_en_route_checked_in_and_complete_are_steps_a_technician_takes()
    {
        var device = WithOrder(WorkOrderStatus.Scheduled);
        foreach (var step in new[] { WorkOrderStatus.EnRoute, WorkOrderStatus.CheckedIn, WorkOrderStatus.InProgress, WorkOrderStatus.OnHold,
                     WorkOrderStatus.InProgress, WorkOrderStatus.Completed })
        {
            device.Edit(Order, "Alex", Device.At(9), m => m.Set(WorkOrderFields.Status, step));
            Assert.Equal(step, StatusOf(device));
        }
    }

    [Fact]
    public void The_built_in_workflow_lets_a_technician_skip_forward()
    {
        var device = WithOrder(WorkOrderStatus.Open);
        device.Edit(Order, "Alex", Device.At(9), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.InProgress));
        Assert.Equal(WorkOrderStatus.InProgress, StatusOf(device));
    }

    [Fact]
    public void A_technician_cannot_step_backwards_or_leave_a_closed_order()
    {
        var device = WithOrder(WorkOrderStatus.CheckedIn);
        var back = RefusedMove(device, WorkOrderStatus.Scheduled);
        Assert.Contains("'checked_in' → 'scheduled' is not a step of the workflow", back.Reason);
        Assert.Contains("in_progress", back.Reason);

        device.Edit(Order, "Alex", Device.At(9), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Completed));
        var reopen = RefusedMove(device, WorkOrderStatus.InProgress);
        Assert.Equal("the WorkOrder cannot move to 'in_progress': it is completed, which closes it: only a dispatcher may reopen it, to 'in_progress'", reopen.Reason);
        Assert.Contains("only a dispatcher may reopen it, to 'open'", RefusedMove(WithOrder(WorkOrderStatus.Cancelled), WorkOrderStatus.Open).Reason);
    }

    [Fact]
    public void A_dispatcher_reopens_a_closed_order_and_moves_an_open_one_anywhere()
    {
        var device = WithOrder(WorkOrderStatus.Cancelled, authority: StatusAuthority.Dispatch);
        device.Edit(Order, "Dana", Device.At(9), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Open));
        device.Edit(Order, "Dana", Device.At(9, 1), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.CheckedIn));
        device.Edit(Order, "Dana", Device.At(9, 2), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled));
        Assert.Equal(WorkOrderStatus.Scheduled, StatusOf(device));
        // Reopening follows the declared reopen step only: cancelled goes back to open, not straight to work.
        device.Edit(Order, "Dana", Device.At(9, 3), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Cancelled));
        Assert.Contains("cancelled, which closes it: it reopens only to 'open'", RefusedMove(device, WorkOrderStatus.InProgress).Reason);
    }

    [Fact]
    public void Cancelling_is_a_step_from_every_open_state_and_setting_the_same_state_is_always_allowed()
    {
        var workflow = SchemaRegistry.CreateDefault().Get(WorkOrderFields.Collection).WorkflowOf(WorkOrderFields.Status)!;
        foreach (var from in WorkOrderStatus.All.Except(WorkOrderStatus.Closing))
        {
            Assert.True(workflow.Allows(from, WorkOrderStatus.Cancelled, StatusAuthority.Field), from);
        }
        Assert.True(workflow.Allows(WorkOrderStatus.Completed, WorkOrderStatus.Completed, StatusAuthority.Field));
        Assert.False(workflow.Allows(WorkOrderStatus.Completed, WorkOrderStatus.Cancelled, StatusAuthority.Dispatch));
        Assert.Equal([WorkOrderStatus.Completed, WorkOrderStatus.InProgress], workflow.NextStates(WorkOrderStatus.Completed, StatusAuthority.Dispatch).Order());
    }

    [Fact]
    public void A_strict_workflow_refuses_skipping_forward_even_for_a_dispatcher()
    {
        var schemas = SchemaRegistry.CreateDefault().ExtendWorkflow(WorkOrderFields.Collection, w => w.Strict());
        var device = WithOrder(WorkOrderStatus.Open, schemas, StatusAuthority.Dispatch);
        var error = RefusedMove(device, WorkOrderStatus.InProgress);
        Assert.Contains("not a step of the strict workflow (from 'open': scheduled, cancelled)", error.Reason);
        device.Edit(Order, "Dana", Device.At(9), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled));
        Assert.Equal(WorkOrderStatus.Scheduled, StatusOf(device));
    }

    [Fact]
    public void An_application_extends_the_built_in_workflow_without_redefining_WorkOrder()
    {
        var schemas = SchemaRegistry.CreateDefault();
        // Registering its own WorkOrder is still refused: the extension is the way in.
        Assert.Throws<InvalidOperationException>(() => schemas.Register(CollectionSchema.Define(WorkOrderFields.Collection).Lww("status", FieldValueKind.String).Build()));
        schemas.ExtendWorkflow(WorkOrderFields.Collection, w => w
            .State("awaiting_parts")
            .State("invoiced", closing: true)
            .Step(WorkOrderStatus.InProgress, "awaiting_parts")
            .Step("awaiting_parts", WorkOrderStatus.InProgress)
            .Step(WorkOrderStatus.Completed, "invoiced")
            .Step("invoiced", WorkOrderStatus.Completed, dispatchOnly: true));
        var schema = schemas.Get(WorkOrderFields.Collection);
        Assert.Contains("awaiting_parts", schema.Fields[WorkOrderFields.Status].AllowedValues!);
        Assert.Equal([WorkOrderStatus.Completed, WorkOrderStatus.Cancelled, "invoiced"], schema.ClosedStateRules.Single().ClosingValues);
        Assert.Equal(SchemaRegistry.CreateDefault().Get(WorkOrderFields.Collection).Fields.Keys.Order(), schema.Fields.Keys.Order());

        var device = WithOrder(WorkOrderStatus.InProgress, schemas);
        device.Edit(Order, "Alex", Device.At(9), m => m.Set(WorkOrderFields.Status, "awaiting_parts"));
        // The built-in "cancel from any open state" covers the new state too.
        Assert.True(schema.WorkflowOf(WorkOrderFields.Status)!.Allows("awaiting_parts", WorkOrderStatus.Cancelled, StatusAuthority.Field));
        device.Edit(Order, "Alex", Device.At(9, 1), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.InProgress));
        device.Edit(Order, "Alex", Device.At(9, 2), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Completed));
        device.Edit(Order, "Alex", Device.At(9, 3), m => m.Set(WorkOrderFields.Status, "invoiced"));
        // The new closing state closes the order to work like the built-in ones.
        var work = Assert.Throws<ValidationException>(() =>
            device.Edit(Order, "Alex", Device.At(9, 4), m => m.Add(WorkOrderFields.TimeEntries, "te-1", (TimeEntryFields.Hours, 1m))));
        Assert.Contains("is invoiced", work.Reason);
        Assert.Contains("only a dispatcher", RefusedMove(device, WorkOrderStatus.Completed).Reason);

        // The default registry is untouched: the new state is unknown there.
        Assert.Contains("is not one of", RefusedMove(WithOrder(WorkOrderStatus.InProgress), "awaiting_parts").Reason);
    }

    [Fact]
    public void An_application_collection_declares_its_own_workflow()
    {
        var schemas = SchemaRegistry.CreateDefault().Register(CollectionSchema.Define("Inspection")
            .Lww("state", FieldValueKind.String, required: true)
            .OrSet("findings", e => e.Field("text", FieldValueKind.String, required: true))
            .Workflow("state", w => w.State("planned").State("done", closing: true).Path("planned", "done").Strict())
            .ClosedState("state", [], ["findings"])
            .Build());
        var key = new DocumentKey("Inspection", "i-1");
        var device = new Device("tablet-2", schemas);
        device.Create(key, "Alex", Device.At(8), m => m.Set("state", "planned"));
        device.Edit(key, "Alex", Device.At(9), m => m.Set("state", "done"));
        Assert.Contains("is done", Assert.Throws<ValidationException>(() =>
            device.Edit(key, "Alex", Device.At(10), m => m.Add("findings", "f-1", ("text", "rust")))).Reason);
        Assert.Contains("'Done' is not one of planned, done", Assert.Throws<ValidationException>(() =>
            device.Create(new DocumentKey("Inspection", "i-2"), "Alex", Device.At(10), m => m.Set("state", "Done"))).Reason);
    }

    [Fact]
    public void Workflow_declarations_that_name_unknown_states_or_fields_are_refused_at_build()
    {
        Assert.Contains("enters 'gone'", Assert.Throws<InvalidOperationException>(() => CollectionSchema.Define("A")
            .Lww("s", FieldValueKind.String).Workflow("s", w => w.State("a").Step("a", "gone")).Build()).Message);
        Assert.Contains("not a declared Lww String field", Assert.Throws<InvalidOperationException>(() => CollectionSchema.Define("B")
            .Lww("s", FieldValueKind.Integer).Workflow("s", w => w.State("a")).Build()).Message);
        Assert.Contains("cannot also be review-on-conflict", Assert.Throws<InvalidOperationException>(() => CollectionSchema.Define("C")
            .Lww("s", FieldValueKind.String, reviewOnConflict: true).Workflow("s", w => w.State("a")).Build()).Message);
        Assert.Contains("declared twice", Assert.Throws<ArgumentException>(() => SchemaRegistry.CreateDefault()
            .ExtendWorkflow(WorkOrderFields.Collection, w => w.State(WorkOrderStatus.Open))).Message);
        Assert.Throws<KeyNotFoundException>(() => SchemaRegistry.CreateDefault().ExtendWorkflow("Truck", w => w.State("x")));
        Assert.Contains("has no workflow", Assert.Throws<InvalidOperationException>(() => SchemaRegistry.CreateDefault()
            .ExtendWorkflow(CustomerFields.Collection, w => w.State("x"), CustomerFields.Name)).Message);
    }
}
