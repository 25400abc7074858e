namespace Crdt.Bench.Workloads;

/// <summary>
/// One collection element as generated: its collection, unique id and field values in draw order.
/// Values are <see cref="string"/>, <see cref="double"/> (timeEntries.hours) or <see cref="long"/>
/// (partsUsed.qty), which is how canonical JSON renders them.
/// </summary>
public sealed record EntryRecord(string Collection, string Id, IReadOnlyList<KeyValuePair<string, object>> Values)
{
    public static EntryRecord TimeEntry(string id, Mulberry32 rng)
    {
        double hours = (rng.NextInt(32) + 1) / 4.0;
        string tech = rng.NextString(6);
        string note = rng.NextString(16);
        return new(WorkloadSchema.TimeEntries, id, [new("hours", hours), new("tech", tech), new("note", note)]);
    }

    public static EntryRecord Part(string id, Mulberry32 rng)
    {
        string sku = rng.NextString(8);
        long qty = rng.NextInt(5) + 1;
        return new(WorkloadSchema.PartsUsed, id, [new("sku", sku), new("qty", qty)]);
    }

    public static EntryRecord NoteEntry(string id, Mulberry32 rng)
    {
        string text = rng.NextString(16);
        string author = rng.NextString(6);
        return new(WorkloadSchema.NoteEntries, id, [new("text", text), new("author", author)]);
    }

    public static EntryRecord OfKind(int kind, string id, Mulberry32 rng) => kind switch
    {
        0 => TimeEntry(id, rng),
        1 => Part(id, rng),
        2 => NoteEntry(id, rng),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "record kind must be 0, 1 or 2"),
    };
}
