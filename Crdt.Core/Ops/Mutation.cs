namespace Crdt.Core;

/// <summary>
/// One change inside an <see cref="Op"/>: <see cref="SetField"/>, <see cref="AddElement"/>,
/// <see cref="SetElementField"/>, <see cref="RemoveElement"/>, <see cref="DeleteDocument"/>
/// or <see cref="ResolveFlag"/>. Immutable.
/// </summary>
public abstract record Mutation
{
    private protected Mutation()
    {
    }

    /// <summary>The field the mutation touches (null for a document delete or a resolution).</summary>
    public abstract string? TargetField { get; }
}

/// <summary>Writes the top-level LWW register <paramref name="Field"/>.</summary>
public sealed record SetField(string Field, FieldValue Value) : Mutation
{
    /// <inheritdoc />
    public override string? TargetField => Field;
}

/// <summary>
/// Adds element <paramref name="ElementId"/> (a record with a stable id) to the OR-set
/// <paramref name="Field"/> with its initial element field values.
/// </summary>
public sealed record AddElement(string Field, string ElementId, IReadOnlyDictionary<string, FieldValue> Values) : Mutation
{
    /// <inheritdoc />
    public override string? TargetField => Field;
}

/// <summary>Writes one LWW field of an OR-set element (e.g. ticks a checklist item).</summary>
public sealed record SetElementField(string Field, string ElementId, string ElementField, FieldValue Value) : Mutation
{
    /// <inheritdoc />
    public override string? TargetField => Field;
}

/// <summary>
/// Removes an element from an OR-set. Add-wins: it removes only the additions that the op's
/// causal context covers (that the remover had seen); a concurrent addition survives.
/// </summary>
public sealed record RemoveElement(string Field, string ElementId) : Mutation
{
    /// <inheritdoc />
    public override string? TargetField => Field;
}

/// <summary>Deletes the document (a tombstone; concurrent edits raise <see cref="FlagKind.EditOnDeleted"/>).</summary>
public sealed record DeleteDocument : Mutation
{
    /// <summary>The one instance (the mutation has no data).</summary>
    public static DeleteDocument Instance { get; } = new();

    /// <inheritdoc />
    public override string? TargetField => null;
}

/// <summary>Resolves flag <paramref name="FlagId"/> of the op's document.</summary>
public sealed record ResolveFlag(string FlagId, Resolution Resolution) : Mutation
{
    /// <inheritdoc />
    public override string? TargetField => null;
}
