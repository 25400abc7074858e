namespace Crdt.Replica.Internal.Storage;

/// <summary>One op as the file holds it: its dot, its document, and the core codec's bytes.</summary>
internal sealed record StoredOp(string Replica, long Seq, string Collection, string DocId, byte[] Bytes);

/// <summary>A materialised document: the core snapshot (fast open) and its JSON (queries, tools).</summary>
internal sealed record StoredDocument(string Collection, string DocId, byte[] Snapshot, string Json);

/// <summary>A flag as indexed for the inbox; <see cref="Json"/> holds the full flag for display.</summary>
internal sealed record StoredFlag(string FlagId, string Collection, string DocId, string Kind, string State, string Json);

/// <summary>A signed-in user's credentials.</summary>
internal sealed record StoredCredentials(string UserName, string RelayUrl, string Token);

/// <summary>An op waiting in the outbox, with the person who made it.</summary>
internal sealed record PendingDot(string Replica, long Seq, string UserName);

/// <summary>One document's new state after ops were applied, with its complete flag list.</summary>
internal sealed record DocumentChange(StoredDocument Document, IReadOnlyList<StoredFlag>? Flags)
{
    /// <summary>
    /// The highest of this device's own sequences the snapshot holds for the document (every own
    /// op of it up to there); null: the snapshot was made from every op in the log.
    /// </summary>
    public long? SnapshotSeq { get; init; }
}
