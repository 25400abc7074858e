namespace Crdt.Core;

/// <summary>
/// Which status moves an editor may make under a <see cref="StatusWorkflow"/>. Crdt.Core knows no
/// roles: the caller maps them (a technician's device edits as <see cref="Field"/>; a dispatcher
/// or admin, on the relay or a dispatch board, as <see cref="Dispatch"/>).
/// </summary>
public enum StatusAuthority
{
    /// <summary>Declared steps (a lenient workflow also lets it skip forward); never leaves a closing state.</summary>
    Field = 1,
    /// <summary>As <see cref="Field"/>, plus the dispatch-only steps (reopening a closed order); in a lenient workflow any move of an open order.</summary>
    Dispatch = 2,
}
