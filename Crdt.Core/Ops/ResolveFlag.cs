namespace Crdt.Core;

/// <summary>Resolves flag <paramref name="FlagId"/> of the op's document.</summary>
public sealed record ResolveFlag(string FlagId, Resolution Resolution) : Mutation
{
    /// <inheritdoc />
    public override string? TargetField => null;
}
