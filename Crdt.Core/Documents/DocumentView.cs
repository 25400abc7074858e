namespace Crdt.Core;

/// <summary>
/// A document as plain values, ready to show: the LWW fields, the live elements of each OR-set,
/// totals that respect flags (entries held back by an open WorkOnClosedOrder flag or discarded do
/// not count), the document's flags, and whether it is deleted. Immutable snapshot.
/// </summary>
public sealed class DocumentView
{
    internal DocumentView(
        DocumentKey key,
        bool isDeleted,
        VersionVector version,
        IReadOnlyDictionary<string, FieldValue> fields,
        IReadOnlyDictionary<string, IReadOnlyList<ElementView>> sets,
        IReadOnlyDictionary<string, decimal> totals,
        IReadOnlyList<Flag> flags)
    {
        Key = key;
        IsDeleted = isDeleted;
        Version = version;
        Fields = fields;
        Sets = sets;
        Totals = totals;
        Flags = flags;
    }

    /// <summary>The document.</summary>
    public DocumentKey Key { get; }

    /// <summary>True when deleted (and not restored by a keep-mine resolution of its EditOnDeleted flag).</summary>
    public bool IsDeleted { get; }

    /// <summary>The ops folded in (max sequence per replica; a frozen copy).</summary>
    public VersionVector Version { get; }

    /// <summary>The LWW fields ever written, by name.</summary>
    public IReadOnlyDictionary<string, FieldValue> Fields { get; }

    /// <summary>Each OR-set (every one the schema declares, even empty) with its live elements sorted by id.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ElementView>> Sets { get; }

    /// <summary>The schema's totals (e.g. "hours", "parts").</summary>
    public IReadOnlyDictionary<string, decimal> Totals { get; }

    /// <summary>The document's flags, sorted by id.</summary>
    public IReadOnlyList<Flag> Flags { get; }

    /// <summary>Hours worked that count (WorkOrder's "hours" total).</summary>
    public decimal TotalHours => Totals.GetValueOrDefault(WorkOrderFields.TotalHours);

    /// <summary>Quantity of parts used that counts (WorkOrder's "parts" total).</summary>
    public decimal TotalParts => Totals.GetValueOrDefault(WorkOrderFields.TotalParts);

    /// <summary>The value of field <paramref name="field"/>, or null when never written.</summary>
    public FieldValue? this[string field] => Fields.TryGetValue(field, out var value) ? value : null;

    /// <summary>The live elements of OR-set <paramref name="set"/> (empty when none).</summary>
    public IReadOnlyList<ElementView> Elements(string set) => Sets.TryGetValue(set, out var elements) ? elements : [];

    /// <summary>
    /// Canonical JSON: <c>{"fields":{…},"&lt;set&gt;":{"&lt;id&gt;":{…}},…}</c>, keys sorted
    /// ordinally at every level, compact, numbers in shortest form (<c>2</c>, <c>1.25</c>),
    /// timestamps as ISO-8601 UTC strings, bytes as base64, references as "Collection/Id".
    /// A deleted document has <c>"deleted":true</c>. With <paramref name="includeTotalsAndFlags"/>,
    /// "totals" and "flags" are added for people.
    /// </summary>
    public string ToJson(bool includeTotalsAndFlags = false) => Views.JsonRender.Render(this, includeTotalsAndFlags);

    /// <inheritdoc />
    public override string ToString() => ToJson();
}
