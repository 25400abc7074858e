namespace Crdt.Core;

/// <summary>
/// The states of the built-in <c>WorkOrder</c> workflow (<see cref="WorkOrderFields.Status"/>).
/// The op carries the state as this string; ops.proto's <c>WorkOrderStatus</c> enum gives each
/// one an append-only number for other stacks (pinned by the wire stability test).
/// </summary>
public static class WorkOrderStatus
{
    /// <summary>New, not yet scheduled.</summary>
    public const string Open = "open";
    /// <summary>Scheduled.</summary>
    public const string Scheduled = "scheduled";
    /// <summary>The technician is on the way (the seed's "En Route").</summary>
    public const string EnRoute = "en_route";
    /// <summary>The technician arrived on site (the seed's "Checked In").</summary>
    public const string CheckedIn = "checked_in";
    /// <summary>Work under way.</summary>
    public const string InProgress = "in_progress";
    /// <summary>Paused.</summary>
    public const string OnHold = "on_hold";
    /// <summary>Done (the seed's "Complete"): closes the order.</summary>
    public const string Completed = "completed";
    /// <summary>Called off: closes the order.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>Every built-in state, in workflow order.</summary>
    public static IReadOnlyList<string> All { get; } = [Open, Scheduled, EnRoute, CheckedIn, InProgress, OnHold, Completed, Cancelled];

    /// <summary>The states that close an order.</summary>
    public static IReadOnlyList<string> Closing { get; } = [Completed, Cancelled];
}
