namespace Crdt.Core;

/// <summary>How a person resolved a flag. Values match ops.proto and are persisted: append-only.</summary>
public enum Resolution
{
    /// <summary>ConcurrentEdit: the losing value overwrites the winner. EditOnDeleted: the document is restored.</summary>
    KeepMine = 1,
    /// <summary>ConcurrentEdit: the winner stays, the loser is dropped. EditOnDeleted: the document stays deleted.</summary>
    KeepTheirs = 2,
    /// <summary>WorkOnClosedOrder: the entry is accepted and counts in totals.</summary>
    Accept = 3,
    /// <summary>WorkOnClosedOrder: the entry is discarded (hidden, not counted).</summary>
    Discard = 4,
}
