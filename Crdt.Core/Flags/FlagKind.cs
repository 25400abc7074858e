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
