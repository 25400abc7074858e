namespace Crdt.Core;

/// <summary>The values of <see cref="WorkOrderFields.Status"/>.</summary>
public static class WorkOrderStatus
{
    /// <summary>New, not yet scheduled.</summary>
    public const string Open = "open";
    /// <summary>Scheduled.</summary>
    public const string Scheduled = "scheduled";
    /// <summary>Work under way.</summary>
    public const string InProgress = "in_progress";
    /// <summary>Paused.</summary>
    public const string OnHold = "on_hold";
    /// <summary>Done: closes the order.</summary>
    public const string Completed = "completed";
    /// <summary>Called off: closes the order.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>Every status value.</summary>
    public static IReadOnlyList<string> All { get; } = [Open, Scheduled, InProgress, OnHold, Completed, Cancelled];

    /// <summary>The values that close an order.</summary>
    public static IReadOnlyList<string> Closing { get; } = [Completed, Cancelled];
}
