namespace Crdt.Core;

/// <summary>Resolves flag <paramref name="FlagId"/> of the op's document.</summary>
public sealed record ResolveFlag(string FlagId, Resolution Resolution) : Mutation
{
    /// <inheritdoc />
    public override string? TargetField => null;

    /// <summary>The kind of flag resolved, read from the id's prefix (ids are derived the same way on every
    /// replica, so the prefix cannot lie about the flag it names); null for an id no flag can have.</summary>
    public FlagKind? TargetKind => Flags.FlagIds.KindOf(FlagId);
}
