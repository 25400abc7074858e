namespace Crdt.Core;

/// <summary>One top-level field of a collection: an LWW register with a value type, or an OR-set with element fields.</summary>
public sealed class FieldSchema
{
    internal FieldSchema(
        string name,
        FieldKind kind,
        FieldValueKind valueKind,
        bool requiredOnCreate,
        bool reviewOnConflict,
        IReadOnlyList<string>? allowedValues,
        IReadOnlyDictionary<string, ElementFieldSchema> elementFields,
        ValueLimits? limits = null,
        int maxElements = ValueRules.DefaultMaxElements)
    {
        Limits = limits ?? ValueLimits.Default(valueKind);
        MaxElements = maxElements;
        Name = name;
        Kind = kind;
        ValueKind = valueKind;
        RequiredOnCreate = requiredOnCreate;
        ReviewOnConflict = reviewOnConflict;
        AllowedValues = allowedValues;
        ElementFields = elementFields;
    }

    /// <summary>The field's name, e.g. "status".</summary>
    public string Name { get; }

    /// <summary>LWW register or OR-set.</summary>
    public FieldKind Kind { get; }

    /// <summary>For an LWW field: the declared value type (<see cref="FieldValueKind.Null"/> for an OR-set).</summary>
    public FieldValueKind ValueKind { get; }

    /// <summary>True when creating a document must set this field to a non-null value.</summary>
    public bool RequiredOnCreate { get; }

    /// <summary>True when concurrent writes raise a <see cref="FlagKind.ConcurrentEdit"/> flag for a person to review.</summary>
    public bool ReviewOnConflict { get; }

    /// <summary>For a string LWW field: the only values accepted (null when any string is).</summary>
    public IReadOnlyList<string>? AllowedValues { get; }

    /// <summary>For an OR-set: its elements' fields (empty for an LWW field).</summary>
    public IReadOnlyDictionary<string, ElementFieldSchema> ElementFields { get; }

    /// <summary>For an LWW field: the bounds on its values.</summary>
    public ValueLimits Limits { get; }

    /// <summary>For an OR-set: the most elements it may ever be given (removed ones count too).</summary>
    public int MaxElements { get; }

    /// <summary>True when <paramref name="value"/> may be stored in a field declared as <paramref name="declared"/> (null always may; integers widen to decimals).</summary>
    public static bool Accepts(FieldValueKind declared, FieldValue value) =>
        value.Kind == declared || value.IsNull || (declared == FieldValueKind.Decimal && value.Kind == FieldValueKind.Integer);
}
