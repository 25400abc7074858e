namespace Crdt.Core;

/// <summary>
/// Adds element <paramref name="ElementId"/> (a record with a stable id) to the OR-set
/// <paramref name="Field"/> with its initial element field values.
/// </summary>
public sealed record AddElement(string Field, string ElementId, IReadOnlyDictionary<string, FieldValue> Values) : Mutation
{
    /// <inheritdoc />
    public override string? TargetField => Field;
}
