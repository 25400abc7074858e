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
