namespace Crdt.Core;

/// <summary>Whether a flag still waits for a person.</summary>
public enum FlagState
{
    /// <summary>Not resolved yet.</summary>
    Open = 1,
    /// <summary>Resolved by a <see cref="ResolveFlag"/> op.</summary>
    Resolved = 2,
}
