using Crdt.Bench.Workloads;
using Crdt.Core;

namespace Crdt.Bench.Memory;

/// <summary>
/// W1–W4 on Crdt.Core documents in memory. Every user edit goes through the
/// <see cref="LocalEditor"/> as its own op; replicas exchange what the peer lacks as
/// <see cref="DocumentSet.EncodeDelta"/> bytes given the peer's version vector, merged with
/// <see cref="DocumentSet.MergeSnapshot(ReadOnlySpan{byte})"/>, as the sync protocol does.
/// </summary>
public sealed class MemoryTarget : IWorkloadTarget
{
    public string Library => $"CrdtFieldStore {CoreVersion.Text} (memory)";

    public WorkloadFigures RunOnce(WorkloadInputs inputs)
    {
        var (w1, w1Bytes) = RunW1(inputs);
        var (w2, b) = RunW2(inputs, w1Bytes);
        var w3 = RunW3(inputs, w1Bytes);
        var w4 = RunW4(inputs, b);
        return new WorkloadFigures(w1, w2, w3, w4);
    }

    private static (W1Figures, byte[][]) RunW1(WorkloadInputs inputs)
    {
        int docs = inputs.W1.Docs;
        var origin = new CoreReplica("bench-origin");
        Timing.Settle();
        double createMs = Timing.Ms(() =>
        {
            for (int doc = 0; doc < docs; doc++) origin.Create(doc, inputs.W1.Initial[doc]);
        });
        var edits = inputs.W1.Edits;
        Timing.Settle();
        double editMs = Timing.Ms(() =>
        {
            foreach (var edit in edits) origin.Apply(edit);
        });
        Timing.Settle();
        byte[][] encoded = Timing.Ms(() => origin.EncodeAll(docs), out _);
        var figures = new W1Figures(createMs, editMs, edits.Length / (editMs / 1000), encoded.Sum(e => (long)e.Length),
            DocState.Digest(origin.States(docs)));
        return (figures, encoded);
    }

    private static (W2Figures, CoreReplica) RunW2(WorkloadInputs inputs, byte[][] w1Bytes)
    {
        int docs = inputs.Scale.Docs;
        var a = CoreReplica.Load("bench-a", w1Bytes);
        var b = CoreReplica.Load("bench-b", w1Bytes);
        var ops = inputs.W2;
        Timing.Settle();
        double editMs = Timing.Ms(() =>
        {
            foreach (var op in ops) a.Apply(op);
        });

        var bHas = b.Versions(docs);   // what B already has: B's version vectors, as B sends them
        Timing.Settle();
        byte[][] updates = Timing.Ms(() => a.DeltasFor(bHas), out double encodeMs);
        Timing.Settle();
        double applyMs = Timing.Ms(() => b.MergeAll(updates));

        var statesA = a.States(docs);
        var statesB = b.States(docs);
        bool equal = WorkloadChecks.SameState(statesA, statesB) && a.Versions(docs).SequenceEqual(b.Versions(docs));
        var figures = new W2Figures(editMs, encodeMs, updates.Sum(u => (long)u.Length), applyMs, ops.Length / (applyMs / 1000),
            equal, DocState.Digest(statesB));
        return (figures, b);
    }

    private static W3Figures RunW3(WorkloadInputs inputs, byte[][] w1Bytes)
    {
        int docs = inputs.Scale.Docs;
        var a = CoreReplica.Load("bench-a", w1Bytes);
        var b = CoreReplica.Load("bench-b", w1Bytes);
        Timing.Settle();
        double editMs = Timing.Ms(() =>
        {
            foreach (var op in inputs.W3.ReplicaA) a.Apply(op);
        }) + Timing.Ms(() =>
        {
            foreach (var op in inputs.W3.ReplicaB) b.Apply(op);
        });

        var aHas = a.Versions(docs);
        var bHas = b.Versions(docs);
        Timing.Settle();
        byte[][] toB = Timing.Ms(() => a.DeltasFor(bHas), out double encodeToB);
        byte[][] toA = Timing.Ms(() => b.DeltasFor(aHas), out double encodeToA);
        Timing.Settle();
        double mergeMs = Timing.Ms(() => b.MergeAll(toB)) + Timing.Ms(() => a.MergeAll(toA));

        var statesA = a.States(docs);
        var statesB = b.States(docs);
        return new W3Figures(editMs, encodeToB + encodeToA, mergeMs,
            toB.Sum(u => (long)u.Length) + toA.Sum(u => (long)u.Length),
            WorkloadChecks.SameState(statesA, statesB),
            WorkloadChecks.AddsAllPresent(inputs.W3, statesA, statesB));
    }

    private static W4Figures RunW4(WorkloadInputs inputs, CoreReplica b)
    {
        int docs = inputs.Scale.Docs;
        byte[][] stored = b.EncodeAll(docs);
        Timing.Settle();
        var loaded = Timing.Ms(() => CoreReplica.Load("bench-reader", stored), out double loadMs);
        long read = Timing.Ms(() => loaded.ReadEverything(docs), out double readMs);
        if (read == 0) throw new InvalidOperationException("W4 read no values: the loaded store is empty");
        return new W4Figures(loadMs, readMs, loadMs + readMs, stored.Sum(s => (long)s.Length));
    }

    public void Dispose()
    {
    }
}
