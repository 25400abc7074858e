namespace Crdt.Core;

/// <summary>Element fields of <see cref="WorkOrderFields.TimeEntries"/>.</summary>
public static class TimeEntryFields
{
    /// <summary>Decimal, required: hours worked.</summary>
    public const string Hours = "hours";
    /// <summary>String: the technician.</summary>
    public const string Tech = "tech";
    /// <summary>String.</summary>
    public const string Note = "note";
    /// <summary>Timestamp: when the work started.</summary>
    public const string StartedAt = "startedAt";
}
