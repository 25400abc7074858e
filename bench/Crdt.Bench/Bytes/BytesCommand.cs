using Crdt.Bench.Memory;
using Crdt.Bench.Workloads;
using Wire = Crdt.Core.Wire;

namespace Crdt.Bench.Bytes;

/// <summary>
/// Runs W1–W3 on the memory target (untimed) and prints, for W1's encoded state, W2's update,
/// W3's exchange and W4's stored state, which DocumentSnapshot parts cost how many bytes.
/// </summary>
public static class BytesCommand
{
    public static int Run(double scaleFactor, TextWriter output)
    {
        var scale = new WorkloadScale(scaleFactor);
        var inputs = new WorkloadInputs(scale);
        int docs = scale.Docs;

        var w1 = CoreReplica.W1Origin(inputs, withSets: true).EncodeAll(docs);
        Print(output, "W1 encoded", w1, docs);

        var a = CoreReplica.Load("bench-a", w1);
        var b = CoreReplica.Load("bench-b", w1);
        foreach (var op in inputs.W2) a.Apply(op);
        var w2 = a.DeltasFor(b.Versions(docs));
        Print(output, "W2 update", w2, docs);
        b.MergeAll(w2);
        Print(output, "W4 stored (B after W2)", b.EncodeAll(docs), docs);

        var a3 = CoreReplica.Load("bench-a", w1);
        var b3 = CoreReplica.Load("bench-b", w1);
        foreach (var op in inputs.W3.ReplicaA) a3.Apply(op);
        foreach (var op in inputs.W3.ReplicaB) b3.Apply(op);
        var toB = a3.DeltasFor(b3.Versions(docs));
        var toA = b3.DeltasFor(a3.Versions(docs));
        Print(output, "W3 exchange", toB.Concat(toA).ToArray(), docs);
        return 0;
    }

    private static void Print(TextWriter output, string title, byte[][] encoded, int docs)
    {
        var breakdown = new WireBreakdown();
        foreach (var bytes in encoded) breakdown.Add(Wire.DocumentSnapshot.Descriptor, bytes);
        breakdown.Print(output, title, docs);
        output.WriteLine();
    }
}
