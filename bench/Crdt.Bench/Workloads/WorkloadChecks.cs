namespace Crdt.Bench.Workloads;

/// <summary>The correctness checks every target applies to the states it read back.</summary>
public static class WorkloadChecks
{
    /// <summary>W3: every doc on every replica holds all of A's and B's new entries.</summary>
    public static bool AddsAllPresent(W3Ops ops, params IReadOnlyList<DocState>[] replicas)
    {
        foreach (var op in ops.ReplicaA.Concat(ops.ReplicaB).OfType<AddEntryOp>())
        {
            foreach (var docs in replicas)
            {
                if (!docs[op.Doc].HasEntry(op.Entry.Collection, op.Entry.Id)) return false;
            }
        }
        return true;
    }

    /// <summary>Two replicas render the same canonical JSON, doc by doc.</summary>
    public static bool SameState(IReadOnlyList<DocState> a, IReadOnlyList<DocState> b) =>
        a.Count == b.Count && a.Select(d => d.CanonicalJsonText()).SequenceEqual(b.Select(d => d.CanonicalJsonText()));
}
