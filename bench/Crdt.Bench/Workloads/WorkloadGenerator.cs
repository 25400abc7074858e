namespace Crdt.Bench.Workloads;

/// <summary>W1's op stream: every doc's initial fields, then the single-field edits.</summary>
public sealed record W1Ops(int Docs, string[][] Initial, SetFieldOp[] Edits);

/// <summary>W3's op streams per replica: for each doc, 10 sets then 5 adds.</summary>
public sealed record W3Ops(WorkloadOp[] ReplicaA, WorkloadOp[] ReplicaB);

/// <summary>
/// Draws the workload op streams from mulberry32 in exactly the order BENCH-WORKLOADS.md
/// specifies. Any change here changes every figure's meaning: do not "improve" it.
/// </summary>
public static class WorkloadGenerator
{
    public const uint W1Seed = 1001;
    public const uint W2Seed = 1002;
    public const uint W3Seed = 1003;

    public static W1Ops W1(WorkloadScale scale)
    {
        var rng = new Mulberry32(W1Seed);
        int docs = scale.Docs;
        var initial = new string[docs][];
        for (int doc = 0; doc < docs; doc++)
        {
            initial[doc] = new string[WorkloadSchema.Fields.Length];
            for (int field = 0; field < WorkloadSchema.Fields.Length; field++) initial[doc][field] = rng.NextString(8);
        }

        var edits = new SetFieldOp[scale.W1Edits];
        for (int i = 0; i < edits.Length; i++) edits[i] = DrawSet(rng, docs);
        return new W1Ops(docs, initial, edits);
    }

    public static WorkloadOp[] W2(WorkloadScale scale)
    {
        var rng = new Mulberry32(W2Seed);
        int docs = scale.Docs;
        var ops = new WorkloadOp[scale.W2Ops];
        int adds = 0;
        for (int j = 0; j < ops.Length; j++)
        {
            if (j % 11 == 10)
            {
                int doc = rng.NextInt(docs);
                ops[j] = new AddEntryOp(doc, EntryRecord.TimeEntry($"A2-{adds++}", rng));
            }
            else
            {
                ops[j] = DrawSet(rng, docs);
            }
        }
        return ops;
    }

    public static W3Ops W3(WorkloadScale scale)
    {
        var rng = new Mulberry32(W3Seed);
        int docs = scale.Docs;
        int perDoc = WorkloadScale.W3SetsPerReplica + WorkloadScale.W3AddsPerReplica;
        var a = new List<WorkloadOp>(docs * perDoc);
        var b = new List<WorkloadOp>(docs * perDoc);
        int nextA = 0, nextB = 0;
        for (int doc = 0; doc < docs; doc++)
        {
            DrawReplicaEdits(rng, doc, "A3-", ref nextA, a);
            DrawReplicaEdits(rng, doc, "B3-", ref nextB, b);
        }
        return new W3Ops([.. a], [.. b]);
    }

    private static void DrawReplicaEdits(Mulberry32 rng, int doc, string idPrefix, ref int next, List<WorkloadOp> into)
    {
        for (int i = 0; i < WorkloadScale.W3SetsPerReplica; i++)
        {
            int field = rng.NextInt(WorkloadSchema.Fields.Length);
            into.Add(new SetFieldOp(doc, field, rng.NextString(8)));
        }
        for (int i = 0; i < WorkloadScale.W3AddsPerReplica; i++)
        {
            int kind = rng.NextInt(3);
            into.Add(new AddEntryOp(doc, EntryRecord.OfKind(kind, $"{idPrefix}{next++}", rng)));
        }
    }

    private static SetFieldOp DrawSet(Mulberry32 rng, int docs)
    {
        int doc = rng.NextInt(docs);
        int field = rng.NextInt(WorkloadSchema.Fields.Length);
        return new SetFieldOp(doc, field, rng.NextString(8));
    }
}
