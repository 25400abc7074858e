namespace Crdt.Core;

/// <summary>
/// A declared step of a <see cref="StatusWorkflow"/>: from <see cref="From"/> (or from every open
/// state when it is <see cref="StatusWorkflow.AnyOpenState"/>) to <see cref="To"/>.
/// </summary>
/// <param name="From">The state left, or <see cref="StatusWorkflow.AnyOpenState"/>.</param>
/// <param name="To">The state entered.</param>
/// <param name="DispatchOnly">True when only <see cref="StatusAuthority.Dispatch"/> may take it (reopening a closed order).</param>
public sealed record StatusTransition(string From, string To, bool DispatchOnly)
{
    /// <inheritdoc />
    public override string ToString() => $"{(From == StatusWorkflow.AnyOpenState ? "any open state" : From)} → {To}{(DispatchOnly ? " (dispatcher)" : "")}";
}
