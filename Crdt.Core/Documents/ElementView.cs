namespace Crdt.Core;

/// <summary>One live element of an OR-set as a person sees it.</summary>
public sealed class ElementView
{
    internal ElementView(string id, IReadOnlyDictionary<string, FieldValue> fields, bool countsInTotals, string? flagId)
    {
        Id = id;
        Fields = fields;
        CountsInTotals = countsInTotals;
        FlagId = flagId;
    }

    /// <summary>The element's stable id.</summary>
    public string Id { get; }

    /// <summary>The element's field values (only fields ever written).</summary>
    public IReadOnlyDictionary<string, FieldValue> Fields { get; }

    /// <summary>False while a WorkOnClosedOrder flag on it is open: it is shown but not counted.</summary>
    public bool CountsInTotals { get; }

    /// <summary>The WorkOnClosedOrder flag on this element, if any.</summary>
    public string? FlagId { get; }

    /// <summary>The value of <paramref name="field"/>, or null when never written.</summary>
    public FieldValue? this[string field] => Fields.TryGetValue(field, out var value) ? value : null;
}
