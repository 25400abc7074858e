namespace Crdt.Bench.Workloads;

/// <summary>
/// The benchmark document model: 10 scalar string fields (in draw order) and three
/// id-keyed collections whose record fields are listed in draw order.
/// </summary>
public static class WorkloadSchema
{
    public const string CollectionName = "benchOrder";

    /// <summary>Scalar fields in the order the generator indexes them.</summary>
    public static readonly string[] Fields =
    [
        "status", "priority", "description", "assignee", "customerId",
        "assetId", "scheduledStart", "address", "notes", "title",
    ];

    public const string TimeEntries = "timeEntries";
    public const string PartsUsed = "partsUsed";
    public const string NoteEntries = "noteEntries";

    /// <summary>Collections in the order W3's <c>int(3)</c> picks them.</summary>
    public static readonly string[] Collections = [TimeEntries, PartsUsed, NoteEntries];

    public static readonly string[] TimeEntryFields = ["hours", "tech", "note"];
    public static readonly string[] PartFields = ["sku", "qty"];
    public static readonly string[] NoteEntryFields = ["text", "author"];

    public static string[] RecordFieldsOf(string collection) => collection switch
    {
        TimeEntries => TimeEntryFields,
        PartsUsed => PartFields,
        NoteEntries => NoteEntryFields,
        _ => throw new ArgumentException($"unknown benchmark collection '{collection}'", nameof(collection)),
    };
}
