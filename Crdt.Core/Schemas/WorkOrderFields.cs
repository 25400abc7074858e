namespace Crdt.Core;

/// <summary>Field names of the built-in <c>WorkOrder</c> collection (use these, not string literals).</summary>
public static class WorkOrderFields
{
    /// <summary>The collection name.</summary>
    public const string Collection = "WorkOrder";

    /// <summary>String, required; one of <see cref="WorkOrderStatus"/>'s values.</summary>
    public const string Status = "status";
    /// <summary>String: low, normal, high, urgent.</summary>
    public const string Priority = "priority";
    /// <summary>String, required, review-on-conflict.</summary>
    public const string Title = "title";
    /// <summary>String, review-on-conflict.</summary>
    public const string Description = "description";
    /// <summary>String: the assigned technician.</summary>
    public const string Assignee = "assignee";
    /// <summary>Reference to a Customer.</summary>
    public const string Customer = "customer";
    /// <summary>Reference to an Asset.</summary>
    public const string Asset = "asset";
    /// <summary>Timestamp.</summary>
    public const string ScheduledStart = "scheduledStart";
    /// <summary>Timestamp.</summary>
    public const string ScheduledEnd = "scheduledEnd";
    /// <summary>String, review-on-conflict.</summary>
    public const string Address = "address";
    /// <summary>OR-set of time entries (<see cref="TimeEntryFields"/>); counts as work.</summary>
    public const string TimeEntries = "timeEntries";
    /// <summary>OR-set of parts used (<see cref="PartUsedFields"/>); counts as work.</summary>
    public const string PartsUsed = "partsUsed";
    /// <summary>OR-set of notes (<see cref="NoteFields"/>).</summary>
    public const string Notes = "notes";
    /// <summary>OR-set of checklist items (<see cref="ChecklistFields"/>).</summary>
    public const string Checklist = "checklist";
    /// <summary>OR-set of attachments (<see cref="AttachmentFields"/>).</summary>
    public const string Attachments = "attachments";
    /// <summary>OR-set of captured signatures (<see cref="SignatureFields"/>).</summary>
    public const string Signatures = "signatures";

    /// <summary>Name of the total of <see cref="TimeEntryFields.Hours"/>.</summary>
    public const string TotalHours = "hours";
    /// <summary>Name of the total of <see cref="PartUsedFields.Qty"/>.</summary>
    public const string TotalParts = "parts";
}
