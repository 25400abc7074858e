namespace Crdt.Core;

/// <summary>
/// A semantic conflict, derived deterministically from a document's ops: every replica that
/// holds the same ops shows the same flags with the same ids. Resolve one with
/// <see cref="LocalEditor.Resolve"/>, which writes a <see cref="ResolveFlag"/> op.
/// </summary>
public sealed class Flag
{
    /// <summary>The deterministic id (kind prefix + hash of the document, field, element and the flagged op's dot).</summary>
    public required string Id { get; init; }

    /// <summary>What kind of conflict.</summary>
    public required FlagKind Kind { get; init; }

    /// <summary>Error (held back until resolved) or review.</summary>
    public FlagSeverity Severity => Kind == FlagKind.WorkOnClosedOrder ? FlagSeverity.Error : FlagSeverity.Review;

    /// <summary>The document.</summary>
    public required DocumentKey Document { get; init; }

    /// <summary>The field concerned (the OR-set for WorkOnClosedOrder, the status field for StatusConflict; null for EditOnDeleted).</summary>
    public string? Field { get; init; }

    /// <summary>The element concerned (WorkOnClosedOrder), else null.</summary>
    public string? ElementId { get; init; }

    /// <summary>Every op involved, sorted.</summary>
    public required IReadOnlyList<Dot> Dots { get; init; }

    /// <summary>The op whose write stands (ConcurrentEdit winner, the closing status write, the delete; StatusConflict: the status shown).</summary>
    public Dot? WinnerDot { get; init; }

    /// <summary>The op whose write is held back (ConcurrentEdit loser, the added entry, the first concurrent edit; StatusConflict: the other status write).</summary>
    public Dot? LoserDot { get; init; }

    /// <summary>The value that stands: the winning text, or the closing status.</summary>
    public FieldValue? WinnerValue { get; init; }

    /// <summary>The value held back: the losing text, or the entry's hours / quantity.</summary>
    public FieldValue? LoserValue { get; init; }

    /// <summary>The person whose write stands.</summary>
    public string? WinnerAuthor { get; init; }

    /// <summary>The person whose write is held back.</summary>
    public string? LoserAuthor { get; init; }

    /// <summary>When the standing write was made (its Hlc's wall time; for WorkOnClosedOrder the closing status write), else null.</summary>
    public DateTimeOffset? WinnerAt { get; init; }

    /// <summary>When the held-back write was made (its Hlc's wall time; for WorkOnClosedOrder the entry's amount), else null.</summary>
    public DateTimeOffset? LoserAt { get; init; }

    /// <summary>A sentence a person can read.</summary>
    public required string Message { get; init; }

    /// <summary>Open or resolved.</summary>
    public FlagState State => Resolution is null ? FlagState.Open : FlagState.Resolved;

    /// <summary>The winning resolution (the highest Hlc among concurrent ones), or null while open.</summary>
    public Resolution? Resolution { get; init; }

    /// <summary>The op whose resolution won, or null while open.</summary>
    public Dot? ResolvedBy { get; init; }

    /// <summary>The person who resolved it, or null while open.</summary>
    public string? ResolvedByAuthor { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Kind} {Id} on {Document}{(Field is null ? "" : "." + Field)} [{State}]: {Message}";
}
