namespace Crdt.Core;

/// <summary>Which schema rule an edit broke (<see cref="SchemaViolation.Rule"/>).</summary>
public enum EditRule
{
    /// <summary>The collection has no such field.</summary>
    UnknownField,

    /// <summary>A register was edited as a set, or a set as a register.</summary>
    FieldKind,

    /// <summary>The value is not of the field's declared type.</summary>
    ValueType,

    /// <summary>The value is not one of the field's allowed values.</summary>
    AllowedValues,

    /// <summary>The value is outside the field's <see cref="ValueLimits"/>.</summary>
    ValueLimits,

    /// <summary>A required field is missing on create, or is cleared.</summary>
    RequiredField,

    /// <summary>The set's elements have no such field.</summary>
    UnknownElementField,

    /// <summary>The element id is empty or too long.</summary>
    ElementId,

    /// <summary>A required element field is missing when an element is added, or is cleared.</summary>
    RequiredElementField,

    /// <summary>The resolution does not resolve that kind of flag.</summary>
    Resolution,
}
