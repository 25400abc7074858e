using Crdt.Core;

namespace Crdt.Replica;

/// <summary>
/// Builds one edit of one document; <see cref="SaveAsync"/> validates it against the schema and
/// the document as this device sees it, and returns only once it is durable. A refused edit
/// throws <see cref="ValidationException"/> naming the document, field and reason, and changes nothing.
/// </summary>
public sealed class DocumentEdit
{
    private readonly DeviceReplica _replica;
    private readonly MutationBuilder _mutations = new();

    internal DocumentEdit(DeviceReplica replica, DocumentKey key, bool creates)
    {
        _replica = replica;
        Key = key;
        Creates = creates;
    }

    /// <summary>The document edited.</summary>
    public DocumentKey Key { get; }

    /// <summary>True when saving creates the document.</summary>
    public bool Creates { get; }

    internal IReadOnlyList<Mutation> Mutations => _mutations.Mutations;

    /// <summary>Writes a field (a last-writer-wins register).</summary>
    public DocumentEdit Set(string field, FieldValue value)
    {
        _mutations.Set(field, value);
        return this;
    }

    /// <summary>Adds an element (a time entry, a part, a note…) to an OR-set; the id is generated when null.</summary>
    public DocumentEdit Add(string set, string? elementId, params (string Field, FieldValue Value)[] values)
    {
        _mutations.Add(set, elementId ?? NewElementId(), values);
        return this;
    }

    /// <summary>Writes one field of an element (e.g. ticks a checklist item).</summary>
    public DocumentEdit SetElement(string set, string elementId, string field, FieldValue value)
    {
        _mutations.SetElement(set, elementId, field, value);
        return this;
    }

    /// <summary>Removes an element (add-wins: a concurrent add elsewhere survives).</summary>
    public DocumentEdit Remove(string set, string elementId)
    {
        _mutations.Remove(set, elementId);
        return this;
    }

    /// <summary>Deletes the document.</summary>
    public DocumentEdit Delete()
    {
        _mutations.Delete();
        return this;
    }

    /// <summary>Work order: logs hours worked (a time entry by the signed-in person unless <paramref name="tech"/> is given).</summary>
    public DocumentEdit AddHours(decimal hours, string? note = null, string? tech = null)
    {
        var values = new List<(string, FieldValue)> { (TimeEntryFields.Hours, FieldValue.Decimal(hours)) };
        if ((tech ?? _replica.CurrentUser) is { Length: > 0 } who)
        {
            values.Add((TimeEntryFields.Tech, FieldValue.String(who)));
        }
        if (note is not null)
        {
            values.Add((TimeEntryFields.Note, FieldValue.String(note)));
        }
        return Add(WorkOrderFields.TimeEntries, null, [.. values]);
    }

    /// <summary>Work order: records a part used, by catalogue document key or by SKU.</summary>
    public DocumentEdit AddPart(string part, decimal quantity)
    {
        var reference = part.Contains('/') && part.Split('/') is [var collection, var id] && DocumentKey.IsValid(collection, id, out _)
            ? (PartUsedFields.Part, FieldValue.Reference(new DocumentKey(collection, id)))
            : (PartUsedFields.Sku, FieldValue.String(part));
        return Add(WorkOrderFields.PartsUsed, null, reference, (PartUsedFields.Qty, FieldValue.Decimal(quantity)));
    }

    /// <summary>Work order: sets the status to completed (which closes it to further work).</summary>
    public DocumentEdit Complete() => Set(WorkOrderFields.Status, FieldValue.String(WorkOrderStatus.Completed));

    /// <summary>Validates, applies and durably saves the edit; returns the document's new merged state.</summary>
    public async Task<DocumentView> SaveAsync(CancellationToken cancellationToken = default) =>
        (await _replica.SaveAllAsync([this], cancellationToken).ConfigureAwait(false))[0];

    private static string NewElementId() => Guid.NewGuid().ToString("N")[..16];
}
