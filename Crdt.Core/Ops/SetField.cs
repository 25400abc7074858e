namespace Crdt.Core;

/// <summary>Writes the top-level LWW register <paramref name="Field"/>.</summary>
public sealed record SetField(string Field, FieldValue Value) : Mutation
{
    /// <inheritdoc />
    public override string? TargetField => Field;
}
