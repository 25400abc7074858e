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
    /// <summary>
    /// Concurrent writes of a workflow's status that lead to different states, where one of them
    /// closes the document or reopens a closed one. The closing state is shown until resolved
    /// (keep-mine applies the held-back state, keep-theirs keeps the shown one). Severity review.
    /// </summary>
    StatusConflict = 4,
    /// <summary>
    /// The time entries or parts used of an order differ from what a customer's signature covered
    /// (changed after signing, or concurrently with it). Severity review: the office checks what the
    /// customer signed for against what the order now shows, and resolves (keep-mine or keep-theirs: both acknowledge).
    /// </summary>
    SignedContentChanged = 5,
}
