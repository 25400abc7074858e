namespace Crdt.Core;

/// <summary>Deletes the document (a tombstone; concurrent edits raise <see cref="FlagKind.EditOnDeleted"/>).</summary>
public sealed record DeleteDocument : Mutation
{
    /// <summary>The one instance (the mutation has no data).</summary>
    public static DeleteDocument Instance { get; } = new();

    /// <inheritdoc />
    public override string? TargetField => null;
}
