using Crdt.Core;

namespace Crdt.Replica;

/// <summary>
/// Typed access to the built-in <c>WorkOrder</c> fields of a document's merged state. The
/// underlying <see cref="View"/> gives plain access to anything else.
/// </summary>
public sealed class WorkOrder(DocumentView view)
{
    /// <summary>The merged document.</summary>
    public DocumentView View { get; } = view;

    public string Id => View.Key.Id;

    public bool IsDeleted => View.IsDeleted;

    public string? Status => Text(WorkOrderFields.Status);

    public bool IsClosed => Status is { } status && WorkOrderStatus.Closing.Contains(status);

    public string? Priority => Text(WorkOrderFields.Priority);

    public string? Title => Text(WorkOrderFields.Title);

    public string? Description => Text(WorkOrderFields.Description);

    public string? Assignee => Text(WorkOrderFields.Assignee);

    public string? Address => Text(WorkOrderFields.Address);

    public DocumentKey? Customer => Reference(WorkOrderFields.Customer);

    public DocumentKey? Asset => Reference(WorkOrderFields.Asset);

    public DateTimeOffset? ScheduledStart => Time(WorkOrderFields.ScheduledStart);

    public DateTimeOffset? ScheduledEnd => Time(WorkOrderFields.ScheduledEnd);

    /// <summary>Hours that count (entries held back by an open WorkOnClosedOrder flag do not).</summary>
    public decimal TotalHours => View.TotalHours;

    /// <summary>Quantity of parts used that counts.</summary>
    public decimal TotalParts => View.TotalParts;

    public IReadOnlyList<ElementView> TimeEntries => View.Elements(WorkOrderFields.TimeEntries);

    public IReadOnlyList<ElementView> PartsUsed => View.Elements(WorkOrderFields.PartsUsed);

    public IReadOnlyList<ElementView> Notes => View.Elements(WorkOrderFields.Notes);

    public IReadOnlyList<ElementView> Checklist => View.Elements(WorkOrderFields.Checklist);

    public IReadOnlyList<Flag> Flags => View.Flags;

    private string? Text(string field) => View[field] is { IsNull: false, Kind: FieldValueKind.String } value ? value.AsString() : null;

    private DocumentKey? Reference(string field) => View[field] is { IsNull: false, Kind: FieldValueKind.Reference } value ? value.AsReference() : null;

    private DateTimeOffset? Time(string field) => View[field] is { IsNull: false, Kind: FieldValueKind.Timestamp } value ? value.AsTimestamp() : null;
}
