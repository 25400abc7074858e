namespace Crdt.Core;

/// <summary>The kinds of semantic conflict. Persisted: append-only.</summary>
public enum FlagKind
{
    /// <summary>Work (hours, parts) added concurrently with the write that completed or cancelled the order. Severity error.</summary>
    WorkOnClosedOrder = 1,
    /// <summary>Concurrent writes to a review-on-conflict field. Severity review.</summary>
    ConcurrentEdit = 2,
    /// <summary>Edits concurrent with deleting the document. Severity review.</summary>
    EditOnDeleted = 3,
}

/// <summary>How urgent a flag is.</summary>
public enum FlagSeverity
{
    /// <summary>Something must be decided; the data held back (e.g. excluded from totals) until then.</summary>
    Error = 1,
    /// <summary>A person should look; the merged state already shows a sensible winner.</summary>
    Review = 2,
}

/// <summary>Whether a flag still waits for a person.</summary>
public enum FlagState
{
    /// <summary>Not resolved yet.</summary>
    Open = 1,
    /// <summary>Resolved by a <see cref="ResolveFlag"/> op.</summary>
    Resolved = 2,
}
