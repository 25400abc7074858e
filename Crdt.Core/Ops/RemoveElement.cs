namespace Crdt.Core;

/// <summary>
/// Removes an element from an OR-set. Add-wins: it removes only the additions that the op's
/// causal context covers (that the remover had seen); a concurrent addition survives.
/// </summary>
public sealed record RemoveElement(string Field, string ElementId) : Mutation
{
    /// <inheritdoc />
    public override string? TargetField => Field;
}
