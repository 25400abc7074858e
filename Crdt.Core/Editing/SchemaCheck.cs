namespace Crdt.Core;

/// <summary>
/// The schema rules of an edit, written once for the device (<see cref="EditValidator"/>) and the
/// relay (its batch validator): known fields, register vs set, value types, allowed values, value
/// limits, required fields and element fields, element ids, and which resolution fits which flag.
/// They read only the schema and the edit; what depends on the document's state (does it exist,
/// is the element live, is the order closed, what had the author seen) stays with each caller.
/// </summary>
public static class SchemaCheck
{
    /// <summary>The first rule <paramref name="mutation"/> breaks in <paramref name="schema"/>, or null.
    /// A <see cref="ResolveFlag"/> and a <see cref="DeleteDocument"/> name no field: nothing to check here.</summary>
    public static SchemaViolation? OfMutation(CollectionSchema schema, Mutation mutation)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(mutation);
        switch (mutation)
        {
            case SetField set:
            {
                if (Field(schema, set.Field, FieldKind.Lww, out var field) is { } wrongField)
                {
                    return wrongField;
                }
                if ((Value(set.Field, field.ValueKind, set.Value, field.AllowedValues) ?? Limits(set.Field, field.Limits, set.Value)) is { } wrongValue)
                {
                    return wrongValue;
                }
                return set.Value.IsNull && field.RequiredOnCreate
                    ? new SchemaViolation(set.Field, EditRule.RequiredField, "the field is required and cannot be cleared")
                    : null;
            }
            case AddElement add:
            {
                if (Field(schema, add.Field, FieldKind.OrSet, out var field) is { } wrongField)
                {
                    return wrongField;
                }
                if (string.IsNullOrEmpty(add.ElementId) || add.ElementId.Length > DocumentKey.MaxLength)
                {
                    return new SchemaViolation(add.Field, EditRule.ElementId, $"element id must be 1 to {DocumentKey.MaxLength} characters");
                }
                foreach (var (name, value) in new ElementValues(add.Values))
                {
                    if (ElementValue(field, name, value) is { } wrongValue)
                    {
                        return wrongValue;
                    }
                }
                foreach (var element in field.ElementFields.Values)
                {
                    if (element.RequiredOnAdd && (!add.Values.TryGetValue(element.Name, out var value) || value.IsNull))
                    {
                        return new SchemaViolation(add.Field, EditRule.RequiredElementField, $"element field '{element.Name}' is required when adding an element");
                    }
                }
                return null;
            }
            case SetElementField setElement:
            {
                if (Field(schema, setElement.Field, FieldKind.OrSet, out var field) is { } wrongField)
                {
                    return wrongField;
                }
                if (ElementValue(field, setElement.ElementField, setElement.Value) is { } wrongValue)
                {
                    return wrongValue;
                }
                return setElement.Value.IsNull && field.ElementFields[setElement.ElementField].RequiredOnAdd
                    ? new SchemaViolation(setElement.Field, EditRule.RequiredElementField, $"element field '{setElement.ElementField}' is required and cannot be cleared")
                    : null;
            }
            case RemoveElement remove:
                return Field(schema, remove.Field, FieldKind.OrSet, out _);
            default:
                return null;
        }
    }

    /// <summary>The first field required on create that <paramref name="mutations"/> (creating a
    /// document) leave unset or set to null, or null. The last write of a field in the edit counts.</summary>
    public static SchemaViolation? OfCreate(CollectionSchema schema, IReadOnlyList<Mutation> mutations)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(mutations);
        foreach (var field in schema.Fields.Values)
        {
            if (!field.RequiredOnCreate)
            {
                continue;
            }
            FieldValue? last = null;
            for (var i = 0; i < mutations.Count; i++)
            {
                if (mutations[i] is SetField set && set.Field == field.Name)
                {
                    last = set.Value;
                }
            }
            if (last is null || last.IsNull)
            {
                return new SchemaViolation(field.Name, EditRule.RequiredField, $"the field is required when creating a {schema.Name}");
            }
        }
        return null;
    }

    /// <summary>Whether <paramref name="resolution"/> resolves a flag of <paramref name="kind"/>, or the
    /// violation naming <paramref name="field"/> (the flag's field) that says which resolutions do.</summary>
    public static SchemaViolation? OfResolution(FlagKind kind, Resolution resolution, string? field)
    {
        var closedWork = kind == FlagKind.WorkOnClosedOrder;
        var fits = closedWork
            ? resolution is Resolution.Accept or Resolution.Discard
            : resolution is Resolution.KeepMine or Resolution.KeepTheirs;
        return fits
            ? null
            : new SchemaViolation(field, EditRule.Resolution,
                $"{resolution} does not resolve a {kind} flag (use {(closedWork ? "Accept or Discard" : "KeepMine or KeepTheirs")})");
    }

    private static SchemaViolation? Field(CollectionSchema schema, string name, FieldKind kind, out FieldSchema field)
    {
        if (!schema.TryGetField(name, out field!))
        {
            return new SchemaViolation(name, EditRule.UnknownField, $"unknown field (collection '{schema.Name}' has no field '{name}')");
        }
        if (field.Kind == kind)
        {
            return null;
        }
        return new SchemaViolation(name, EditRule.FieldKind, field.Kind == FieldKind.OrSet
            ? "the field is an OR-set: add, change or remove elements instead of setting it"
            : "the field is a single value (LWW): set it instead");
    }

    private static SchemaViolation? Value(string field, FieldValueKind declared, FieldValue value, IReadOnlyList<string>? allowed)
    {
        if (!FieldSchema.Accepts(declared, value))
        {
            return new SchemaViolation(field, EditRule.ValueType, $"wrong type: expected {declared}, got {value.Kind}");
        }
        if (allowed is not null && value.Kind == FieldValueKind.String && !allowed.Contains(value.AsString(), StringComparer.Ordinal))
        {
            return new SchemaViolation(field, EditRule.AllowedValues, $"'{value.AsString()}' is not one of {string.Join(", ", allowed)}");
        }
        return null;
    }

    private static SchemaViolation? ElementValue(FieldSchema set, string name, FieldValue value)
    {
        if (!set.ElementFields.TryGetValue(name, out var element))
        {
            return new SchemaViolation(set.Name, EditRule.UnknownElementField, $"unknown element field '{name}'");
        }
        if (!FieldSchema.Accepts(element.ValueKind, value))
        {
            return new SchemaViolation(set.Name, EditRule.ValueType, $"element field '{name}' has the wrong type: expected {element.ValueKind}, got {value.Kind}");
        }
        return Limits($"{set.Name}.{name}", element.Limits, value);
    }

    private static SchemaViolation? Limits(string field, ValueLimits limits, FieldValue value) =>
        limits.Check(value) is { } problem ? new SchemaViolation(field, EditRule.ValueLimits, problem) : null;
}
