namespace Crdt.Core.Codec;

/// <summary>
/// A fixed table of the field names of the built-in schemas (WorkOrder, Customer, Asset, Part and their
/// element records), which snapshots reference by number instead of spelling them out
/// (<c>known_field</c>), as HTTP/2's HPACK has a static table of common header names.
/// <para>
/// Persisted: snapshots on disk hold these numbers, so the table is frozen. Append only, never
/// reorder or remove (pinned by Crdt.Core.Tests' WireStabilityTests); new built-in fields need not
/// be added, they are then simply written in the snapshot's own name table.
/// </para>
/// </summary>
internal static class KnownNames
{
    private static readonly string[] s_table =
    [
        // WorkOrder
        "status", "priority", "title", "description", "assignee", "customer", "asset", "scheduledStart", "scheduledEnd",
        "address", "timeEntries", "partsUsed", "notes", "checklist", "attachments", "signatures",
        // Elements: time entries, parts used, notes, checklist items, attachments, signatures
        "hours", "tech", "note", "startedAt", "part", "sku", "qty", "text", "author", "createdAt", "done",
        "name", "contentType", "size", "sha256", "data", "signer", "signedAt", "image", "signature", "publicKey", "device",
        // Customer, Asset, Part
        "phone", "email", "serialNumber", "model", "manufacturer", "location", "installedAt", "unitPrice", "unit", "active",
    ];

    private static readonly Dictionary<string, uint> s_numbers = s_table
        .Select((name, i) => (name, number: (uint)i + 1))
        .ToDictionary(p => p.name, p => p.number, StringComparer.Ordinal);

    /// <summary>The frozen table (for the stability test).</summary>
    public static IReadOnlyList<string> Table => s_table;

    /// <summary>The name's 1-based number in the table, or 0 when it is not in it.</summary>
    public static uint NumberOf(string name) =>
        // TryGetValue on the dictionary itself: GetValueOrDefault is an extension on IReadOnlyDictionary, a call
        // through the interface for every name of every snapshot written.
        s_numbers.TryGetValue(name, out var number) ? number : 0;

    /// <summary>The name with 1-based number <paramref name="number"/>, or null when out of range.</summary>
    public static string? NameAt(uint number) => number >= 1 && number <= (uint)s_table.Length ? s_table[number - 1] : null;
}
