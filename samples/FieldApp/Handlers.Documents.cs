using System.Globalization;
using System.Text;
using Crdt.Core;
using Crdt.Replica;

namespace FieldApp;

/// <summary>The commands' work, one method per command. Documents and edits here.</summary>
internal static partial class Handlers
{
    public static async Task<int> ShowAsync(Session session, string id, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var key = Key(id);
        var view = replica.Get(key) ?? throw new FieldAppException($"{key} is not on this device (run agenda or sync?)");
        // Opening a document pins it: it stays available offline.
        await replica.PinAsync(key, ct);
        if (session.Json)
        {
            JsonOut.Write(session.Output, json => JsonOut.Document(json, view));
            return FieldAppCommands.ExitOk;
        }
        var text = new StringBuilder();
        text.AppendLine($"{key}{(view.IsDeleted ? "  [DELETED]" : "")}");
        foreach (var (name, value) in view.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.AppendLine($"  {name,-15} {FieldValues.Show(value)}");
        }
        foreach (var (set, elements) in view.Sets.Where(s => s.Value.Count > 0).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            text.AppendLine($"  {set}:");
            foreach (var element in elements)
            {
                var fields = string.Join("  ", element.Fields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={FieldValues.Show(f.Value)}"));
                text.AppendLine($"    - {fields}{(element.CountsInTotals ? "" : "  (held back: " + element.FlagId + ")")}");
            }
        }
        if (key.Collection == WorkOrderFields.Collection)
        {
            text.AppendLine($"  total hours     {view.TotalHours.ToString(CultureInfo.InvariantCulture)}");
        }
        foreach (var flag in view.Flags)
        {
            text.AppendLine($"  flag {flag.Id} [{flag.Kind}, {flag.State}] {flag.Message}");
        }
        session.Output.Write(text.ToString());
        return FieldAppCommands.ExitOk;
    }

    public static async Task<int> CreateAsync(Session session, string collectionName, string? id, string[] assignments, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var schema = replica.Schemas.Collections.FirstOrDefault(c => string.Equals(c.Name, collectionName, StringComparison.OrdinalIgnoreCase))
            ?? throw new FieldAppException($"unknown collection '{collectionName}' (known: {string.Join(", ", replica.Schemas.Collections.Select(c => c.Name))})");
        var edit = replica.Create(schema.Name, id);
        if (schema.Name == WorkOrderFields.Collection && !assignments.Any(a => a.StartsWith(WorkOrderFields.Status + "=", StringComparison.Ordinal)))
        {
            // A new order starts open unless told otherwise.
            edit.Set(WorkOrderFields.Status, FieldValue.String(WorkOrderStatus.Open));
        }
        foreach (var (field, value) in FieldValues.ParseAssignments(schema, assignments))
        {
            edit.Set(field, value);
        }
        var view = await edit.SaveAsync(ct);
        return Saved(session, "created", view);
    }

    public static async Task<int> SetAsync(Session session, string id, string[] assignments, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var key = Key(id);
        var schema = replica.Schemas.TryGet(key.Collection, out var s) ? s : throw new FieldAppException($"unknown collection '{key.Collection}'");
        var edit = replica.Edit(key.Collection, key.Id);
        foreach (var (field, value) in FieldValues.ParseAssignments(schema, assignments))
        {
            edit.Set(field, value);
        }
        return Saved(session, "saved", await edit.SaveAsync(ct));
    }

    public static async Task<int> HoursAsync(Session session, string id, string hoursText, string? note, CancellationToken ct)
    {
        var hours = FieldValues.ParseDecimal(hoursText, "HOURS");
        await using var replica = await session.OpenAsync(ct);
        return Saved(session, $"logged {hours.ToString(CultureInfo.InvariantCulture)} h on", await replica.EditWorkOrder(id).AddHours(hours, note).SaveAsync(ct));
    }

    public static async Task<int> PartAsync(Session session, string id, string part, string quantityText, CancellationToken ct)
    {
        var quantity = FieldValues.ParseDecimal(quantityText, "QTY");
        await using var replica = await session.OpenAsync(ct);
        return Saved(session, $"recorded {quantity.ToString(CultureInfo.InvariantCulture)} x {part} on", await replica.EditWorkOrder(id).AddPart(part, quantity).SaveAsync(ct));
    }

    public static async Task<int> CompleteAsync(Session session, string id, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        return Saved(session, "completed", await replica.EditWorkOrder(id).Complete().SaveAsync(ct));
    }

    public static async Task<int> DeleteAsync(Session session, string id, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var key = Key(id);
        return Saved(session, "deleted", await replica.Edit(key.Collection, key.Id).Delete().SaveAsync(ct));
    }

    public static async Task<int> StressEditsAsync(Session session, string id, int count, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        if (replica.GetWorkOrder(id) is null)
        {
            await replica.Create(WorkOrderFields.Collection, id)
                .Set(WorkOrderFields.Status, FieldValue.String(WorkOrderStatus.Open))
                .Set(WorkOrderFields.Title, FieldValue.String("stress " + id))
                .SaveAsync(ct);
        }
        var start = replica.GetWorkOrder(id)!.TimeEntries.Count;
        for (var i = 1; i <= count; i++)
        {
            var n = start + i;
            await replica.EditWorkOrder(id).Add(WorkOrderFields.TimeEntries, $"e{n}",
                (TimeEntryFields.Hours, FieldValue.Decimal(0.25m)), (TimeEntryFields.Note, FieldValue.String($"edit {n}"))).SaveAsync(ct);
            // Printed only after SaveAsync returned: the parent may rely on every printed edit.
            session.Output.WriteLine($"saved e{n}");
            session.Output.Flush();
        }
        return FieldAppCommands.ExitOk;
    }

    private static int Saved(Session session, string verb, DocumentView view)
    {
        session.Print($"{verb} {view.Key}" + (view.Key.Collection == WorkOrderFields.Collection
                ? $" (status {FieldValues.Show(view[WorkOrderFields.Status])}, {view.TotalHours.ToString(CultureInfo.InvariantCulture)} h)"
                : ""),
            json =>
            {
                json.WritePropertyName("document");
                JsonOut.Document(json, view);
            });
        return FieldAppCommands.ExitOk;
    }

    /// <summary>"WO-1" is a work order; "Customer/C-1" names any document.</summary>
    private static DocumentKey Key(string id)
    {
        var slash = id.IndexOf('/');
        if (slash > 0)
        {
            return FieldValues.ParseKey(id, "ID");
        }
        return DocumentKey.IsValid(WorkOrderFields.Collection, id, out var reason)
            ? new DocumentKey(WorkOrderFields.Collection, id)
            : throw new FieldAppException($"ID '{id}': {reason}");
    }
}
