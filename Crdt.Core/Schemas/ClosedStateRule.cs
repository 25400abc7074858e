namespace Crdt.Core;

/// <summary>
/// Closed-state rule: when the string field <see cref="StatusField"/> holds one of
/// <see cref="ClosingValues"/> the document is closed, and adding elements to the
/// <see cref="WorkFields"/> OR-sets (hours, parts) is refused at write time. An addition
/// concurrent with the write that closed it raises <see cref="FlagKind.WorkOnClosedOrder"/>,
/// and the entry does not count in totals until accepted.
/// </summary>
public sealed class ClosedStateRule : SchemaRule
{
    internal ClosedStateRule(string statusField, IReadOnlyList<string> closingValues, IReadOnlyList<string> workFields)
    {
        StatusField = statusField;
        ClosingValues = closingValues;
        WorkFields = workFields;
    }

    /// <summary>The LWW string field holding the state, e.g. "status".</summary>
    public string StatusField { get; }

    /// <summary>The values that close the document, e.g. "completed", "cancelled".</summary>
    public IReadOnlyList<string> ClosingValues { get; }

    /// <summary>The OR-set fields that count as work, e.g. "timeEntries", "partsUsed".</summary>
    public IReadOnlyList<string> WorkFields { get; }

    /// <summary>True when <paramref name="status"/> closes the document.</summary>
    public bool IsClosing(FieldValue? status) =>
        status is { Kind: FieldValueKind.String } && ClosingValues.Contains(status.AsString(), StringComparer.Ordinal);
}
