using Crdt.Core;
using Crdt.Replica;

namespace Crdt.Simulation.Scenario;

internal sealed partial class SimulationRun
{
    private static readonly string[] Priorities = ["low", "normal", "high", "urgent"];

    /// <summary>A person edits: technicians log work on their own orders, dispatchers run the board.</summary>
    private Task EditAsync(SimDevice device) => device.IsTechnician ? TechnicianEditAsync(device) : DispatcherEditAsync(device);

    private async Task TechnicianEditAsync(SimDevice tech)
    {
        var mine = tech.Replica.WorkOrders(o => o.Assignee == tech.Name);
        if (mine.Count == 0)
        {
            Trace($"{tech.Name} has no order to work on yet");
            return;
        }
        var order = mine[random.Next(mine.Count)].Id;
        var edit = tech.Replica.EditWorkOrder(order);
        var id = $"s{step}-{tech.Name}";
        switch (random.Next(6))
        {
            case 0 or 1:
                var hours = random.Next(1, 9) * 0.25m;
                await SaveAsync(tech, edit.Add(WorkOrderFields.TimeEntries, id, (TimeEntryFields.Hours, FieldValue.Decimal(hours)),
                    (TimeEntryFields.Tech, FieldValue.String(tech.Name))), $"logs {hours} h", WorkOrderFields.TimeEntries, id);
                break;
            case 2:
                await SaveAsync(tech, edit.Add(WorkOrderFields.Notes, id, (NoteFields.Text, FieldValue.String($"note at step {step}"))),
                    "adds a note", WorkOrderFields.Notes, id);
                break;
            case 3:
                await SaveAsync(tech, edit.Add(WorkOrderFields.PartsUsed, id, (PartUsedFields.Part, FieldValue.Reference(parts[0])),
                    (PartUsedFields.Qty, FieldValue.Decimal(random.Next(1, 4)))), "uses a part", WorkOrderFields.PartsUsed, id);
                break;
            case 4:
                await SaveAsync(tech, edit.SetElement(WorkOrderFields.Checklist, "c1", ChecklistFields.Done, FieldValue.Bool(random.Next(2) == 0)),
                    "ticks the checklist");
                break;
            default:
                await SaveAsync(tech, edit.Complete(), "completes the order");
                break;
        }
    }

    private async Task DispatcherEditAsync(SimDevice dispatcher)
    {
        var orders = dispatcher.Replica.WorkOrders();
        var choice = orders.Count == 0 ? 0 : random.Next(8);
        var order = orders.Count == 0 ? null : orders[random.Next(orders.Count)].Id;
        switch (choice)
        {
            case 0:
                var techs = devices.Where(d => d.IsTechnician).ToList();
                await CreateOrderAsync(dispatcher, techs[random.Next(techs.Count)].Name);
                break;
            case 1:
                await SaveAsync(dispatcher, dispatcher.Replica.EditWorkOrder(order!)
                    .Set(WorkOrderFields.Priority, FieldValue.String(Priorities[random.Next(Priorities.Length)])), "sets the priority");
                break;
            case 2:
                await SaveAsync(dispatcher, dispatcher.Replica.EditWorkOrder(order!)
                    .Set(WorkOrderFields.Title, FieldValue.String($"title by {dispatcher.Name} at step {step}")), "retitles");
                break;
            case 3:
                await SaveAsync(dispatcher, dispatcher.Replica.EditWorkOrder(order!).Complete(), "completes the order");
                break;
            case 4:
                await SaveAsync(dispatcher, dispatcher.Replica.EditWorkOrder(order!)
                    .Set(WorkOrderFields.Status, FieldValue.String(WorkOrderStatus.InProgress)), "reopens the order");
                break;
            case 5:
                var id = $"s{step}-{dispatcher.Name}";
                await SaveAsync(dispatcher, dispatcher.Replica.EditWorkOrder(order!)
                    .Add(WorkOrderFields.Notes, id, (NoteFields.Text, FieldValue.String("call before arriving"))), "adds a note", WorkOrderFields.Notes, id);
                break;
            case 6:
                var customer = customers[random.Next(customers.Count)];
                await SaveAsync(dispatcher, dispatcher.Replica.Edit(customer.Collection, customer.Id)
                    .Set(CustomerFields.Phone, FieldValue.String($"+41 {random.Next(1_000_000, 9_999_999)}")), "changes the phone");
                break;
            default:
                await ResolveAFlagAsync(dispatcher);
                break;
        }
    }

    private async Task CreateOrderAsync(SimDevice dispatcher, string technician)
    {
        var id = $"WO-{++orders}";
        await SaveAsync(dispatcher, dispatcher.Replica.Create(WorkOrderFields.Collection, id)
            .Set(WorkOrderFields.Title, FieldValue.String($"Service visit {orders}"))
            .Set(WorkOrderFields.Status, FieldValue.String(WorkOrderStatus.Scheduled))
            .Set(WorkOrderFields.Assignee, FieldValue.String(technician))
            .Set(WorkOrderFields.Customer, FieldValue.Reference(customers[orders % customers.Count]))
            .Add(WorkOrderFields.Checklist, "c1", (ChecklistFields.Text, FieldValue.String("check the pressure"))),
            $"creates {id} for {technician}");
    }

    private async Task ResolveAFlagAsync(SimDevice dispatcher)
    {
        var open = dispatcher.Replica.Flags();
        if (open.Count == 0)
        {
            Trace($"{dispatcher.Name} has no open flag to resolve");
            return;
        }
        var flag = open[random.Next(open.Count)];
        var resolution = flag.Kind == FlagKind.WorkOnClosedOrder
            ? (random.Next(2) == 0 ? Resolution.Accept : Resolution.Discard)
            : (random.Next(2) == 0 ? Resolution.KeepMine : Resolution.KeepTheirs);
        try
        {
            await dispatcher.Replica.ResolveFlagAsync(flag.Id, resolution);
            Record(dispatcher, flag.Document, $"resolves {flag.Kind} {flag.Id} with {resolution}", null, null);
        }
        catch (ValidationException e)
        {
            Trace($"{dispatcher.Name} may not resolve {flag.Id}: {e.Message}");
        }
    }

    /// <summary>Saves an edit; when the save returns, the edit is acknowledged to the user and goes into the ledger.</summary>
    private async Task SaveAsync(SimDevice device, DocumentEdit edit, string what, string? set = null, string? elementId = null)
    {
        try
        {
            await edit.SaveAsync();
        }
        catch (ValidationException e)
        {
            // Refused at write time (e.g. work on an order this device sees completed): never acknowledged.
            Trace($"{device.Name} {what} on {edit.Key}: refused at write time: {e.Message}");
            return;
        }
        Record(device, edit.Key, what, set, elementId);
    }

    private void Record(SimDevice device, DocumentKey key, string what, string? set, string? elementId)
    {
        var view = device.Replica.Get(key)!;
        var dot = new Dot(device.Replica.Id, view.Version.Get(device.Replica.Id));
        var edit = new AckedEdit(step, device.Name, key, dot, set, elementId, what);
        ledger.Edits.Add(edit);
        Trace($"{device.Name} {what} on {key}: saved as {dot}");
    }
}
