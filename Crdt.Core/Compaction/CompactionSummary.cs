namespace Crdt.Core;

/// <summary>What a compaction did: documents visited and the op records they held before and after.</summary>
public readonly record struct CompactionSummary(int Documents, int RecordsBefore, int RecordsAfter)
{
    /// <summary>How many op records were dropped.</summary>
    public int RecordsDropped => RecordsBefore - RecordsAfter;

    /// <summary>The two summaries added up.</summary>
    public CompactionSummary Add(CompactionSummary other) =>
        new(Documents + other.Documents, RecordsBefore + other.RecordsBefore, RecordsAfter + other.RecordsAfter);
}
