namespace Crdt.Core;

/// <summary>Writes one LWW field of an OR-set element (e.g. ticks a checklist item).</summary>
public sealed record SetElementField(string Field, string ElementId, string ElementField, FieldValue Value) : Mutation
{
    /// <inheritdoc />
    public override string? TargetField => Field;
}
