namespace Crdt.Core;

/// <summary>
/// A total shown by the read model: the sum of the numeric element field
/// <see cref="ElementField"/> over the live elements of OR-set <see cref="SetField"/>
/// (entries held back by an open or discarded flag do not count).
/// </summary>
public sealed class TotalRule : SchemaRule
{
    internal TotalRule(string name, string setField, string elementField)
    {
        Name = name;
        SetField = setField;
        ElementField = elementField;
    }

    /// <summary>The total's name, e.g. "hours".</summary>
    public string Name { get; }

    /// <summary>The OR-set summed, e.g. "timeEntries".</summary>
    public string SetField { get; }

    /// <summary>The numeric element field summed, e.g. "hours".</summary>
    public string ElementField { get; }
}
