namespace Crdt.Core;

/// <summary>One LWW field of an OR-set's elements.</summary>
public sealed class ElementFieldSchema
{
    internal ElementFieldSchema(string name, FieldValueKind valueKind, bool requiredOnAdd, ValueLimits? limits = null)
    {
        Limits = limits ?? ValueLimits.Default(valueKind);
        Name = name;
        ValueKind = valueKind;
        RequiredOnAdd = requiredOnAdd;
    }

    /// <summary>The element field's name, e.g. "hours".</summary>
    public string Name { get; }

    /// <summary>The declared value type (null is always allowed, except for a required field on add).</summary>
    public FieldValueKind ValueKind { get; }

    /// <summary>The bounds on its values.</summary>
    public ValueLimits Limits { get; }

    /// <summary>True when adding an element must give this field a non-null value.</summary>
    public bool RequiredOnAdd { get; }
}
