namespace Crdt.Replica;

/// <summary>What an agenda check-out brought onto the device.</summary>
public sealed record AgendaSummary(
    IReadOnlyList<WorkOrder> WorkOrders,
    IReadOnlyDictionary<string, int> Documents,
    SyncProgress Progress);
