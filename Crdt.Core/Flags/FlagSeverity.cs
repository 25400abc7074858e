namespace Crdt.Core;

/// <summary>How urgent a flag is.</summary>
public enum FlagSeverity
{
    /// <summary>Something must be decided; the data held back (e.g. excluded from totals) until then.</summary>
    Error = 1,
    /// <summary>A person should look; the merged state already shows a sensible winner.</summary>
    Review = 2,
}
