namespace Crdt.Core;

/// <summary>How strictly a <see cref="StatusWorkflow"/> holds editors to its declared steps.</summary>
public enum WorkflowMode
{
    /// <summary>Only declared steps (and setting the state an order already has).</summary>
    Strict = 1,
    /// <summary>
    /// Declared steps, plus skipping forward to any state reachable by declared steps (open straight
    /// to in_progress); a dispatcher may move an open order anywhere. Nobody but a dispatcher leaves a closing state.
    /// </summary>
    Lenient = 2,
}
