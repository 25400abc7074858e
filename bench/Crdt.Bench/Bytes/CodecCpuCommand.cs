using System.Diagnostics;
using Crdt.Bench.Memory;
using Crdt.Bench.Workloads;

namespace Crdt.Bench.Bytes;

/// <summary>
/// Measures the snapshot codec paths of the memory target by process CPU time (user + sys, which
/// other processes on a shared machine barely move) and bytes allocated, each phase repeated:
/// W1 sets, W2 encode (A's deltas for B), W2 apply (B merges them), W4 load (a fresh replica merges
/// B's stored state), W4 read, W3 encode (both replicas' deltas for each other) and W3 merge (each merges the other's). Prints the minimum and median of each.
/// </summary>
public static class CodecCpuCommand
{
    /// <summary>
    /// Runs only one phase <paramref name="reps"/> times after a shared set-up, for instruction counting
    /// (valgrind --tool=callgrind): the difference between two rep counts is the phase's own cost.
    /// </summary>
    public static int RunPhase(double scaleFactor, int reps, string phase, TextWriter output)
    {
        var scale = new WorkloadScale(scaleFactor);
        if (phase == "sets")
        {
            // W1 sets alone, from W1's ops only: the other workloads' inputs and set-up would be most of a run under valgrind.
            var w1Ops = WorkloadGenerator.W1(scale);
            // Origins for at least 3 reps whatever the count, so the difference of two counts is the sets alone.
            var origins = Enumerable.Range(0, Math.Max(reps, 3)).Select(_ =>
            {
                var origin = new CoreReplica("bench-origin");
                for (int doc = 0; doc < w1Ops.Docs; doc++) origin.Create(doc, w1Ops.Initial[doc]);
                return origin;
            }).ToList();
            GC.Collect();
            var pause = GC.GetTotalPauseDuration();
            var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            for (int rep = 0; rep < reps; rep++)
            {
                foreach (var edit in w1Ops.Edits) origins[rep].Apply(edit);
            }
            // Process CPU and the GC's share of the sets (pauses, collections by generation), for GC settings comparisons.
            output.WriteLine($"phase sets x{reps} done: CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds:F0} ms, " +
                $"GC pauses {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F1} ms, collections gen0/1/2 " +
                $"{GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}");
            return 0;
        }
        var inputs = new WorkloadInputs(scale);
        int docs = scale.Docs;
        var w1 = CoreReplica.W1Origin(inputs, withSets: true).EncodeAll(docs);
        var a = CoreReplica.Load("bench-a", w1);
        foreach (var op in inputs.W2) a.Apply(op);
        var fresh = Enumerable.Range(0, phase == "apply" ? reps : 1).Select(_ => CoreReplica.Load("bench-b", w1)).ToList();
        var bHas = fresh[0].Versions(docs);
        var updates = a.DeltasFor(bHas);
        fresh[0].MergeAll(updates);
        var stored = fresh[0].EncodeAll(docs);
        if (phase == "apply") fresh[0] = CoreReplica.Load("bench-b", w1);
        var editors = Enumerable.Range(0, phase == "sets" ? reps : 0).Select(_ => CoreReplica.W1Origin(inputs, withSets: false)).ToList();
        var (w3a, w3b) = phase == "w3encode" ? W3Replicas(inputs, w1) : (a, a);
        var (w3aHas, w3bHas) = (w3a.Versions(docs), w3b.Versions(docs));
        // W3 merge: each rep merges the exchanged deltas into its own fresh pair (a second merge of the same deltas changes nothing).
        var w3Pairs = Enumerable.Range(0, phase == "w3merge" ? reps + 1 : 0).Select(_ => W3Replicas(inputs, w1)).ToList();
        var (w3ForB, w3ForA) = phase == "w3merge"
            ? (w3Pairs[reps].A.DeltasFor(w3Pairs[reps].B.Versions(docs)), w3Pairs[reps].B.DeltasFor(w3Pairs[reps].A.Versions(docs)))
            : (Array.Empty<byte[]>(), Array.Empty<byte[]>());
        var reader = phase == "read" ? CoreReplica.Load("bench-reader", stored) : a;
        long sink = 0;
        // With CRDT_BENCH_PERF_CTL naming the control fifo of `perf record -D -1 --control fifo:PATH`, only the phase is sampled.
        var perfControl = Environment.GetEnvironmentVariable("CRDT_BENCH_PERF_CTL");
        PerfControl(perfControl, "enable");
        for (int rep = 0; rep < reps; rep++)
        {
            switch (phase)
            {
                case "sets": foreach (var edit in inputs.W1.Edits) editors[rep].Apply(edit); break;
                case "encode": sink += a.DeltasFor(bHas).Length; break;
                case "apply": fresh[rep].MergeAll(updates); break;
                case "load": sink += CoreReplica.Load("bench-reader", stored).Documents.Count; break;
                // W4's read on a freshly loaded replica: the first read of each document builds its view.
                case "read": sink += CoreReplica.Load("bench-reader", stored).ReadEverything(docs); break;
                case "w3encode": sink += w3a.DeltasFor(w3bHas).Length + w3b.DeltasFor(w3aHas).Length; break;
                case "w3merge": w3Pairs[rep].A.MergeAll(w3ForA); w3Pairs[rep].B.MergeAll(w3ForB); break;
                default: throw new ArgumentException($"unknown phase '{phase}' (sets, encode, apply, load, read, w3encode, w3merge)");
            }
        }
        PerfControl(perfControl, "disable");
        output.WriteLine($"phase {phase} x{reps} done ({sink})");
        return 0;
    }

    private static void PerfControl(string? fifo, string command)
    {
        if (!string.IsNullOrEmpty(fifo))
        {
            File.AppendAllText(fifo, command + "\n");
        }
    }

    /// <summary>W3's two replicas after their concurrent edits (what W3 encode exchanges).</summary>
    private static (CoreReplica A, CoreReplica B) W3Replicas(WorkloadInputs inputs, byte[][] w1)
    {
        var a = CoreReplica.Load("bench-a", w1);
        var b = CoreReplica.Load("bench-b", w1);
        foreach (var op in inputs.W3.ReplicaA) a.Apply(op);
        foreach (var op in inputs.W3.ReplicaB) b.Apply(op);
        return (a, b);
    }

    public static int Run(double scaleFactor, int reps, TextWriter output)
    {
        var scale = new WorkloadScale(scaleFactor);
        var inputs = new WorkloadInputs(scale);
        int docs = scale.Docs;
        var phases = new Dictionary<string, List<(double Cpu, double Wall, long Bytes)>>();
        void Measure(string phase, Action action)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var wall = Stopwatch.StartNew();
            action();
            wall.Stop();
            process.Refresh();
            var entry = ((process.TotalProcessorTime - cpu).TotalMilliseconds, wall.Elapsed.TotalMilliseconds, GC.GetAllocatedBytesForCurrentThread() - allocated);
            if (!phases.TryGetValue(phase, out var list)) phases[phase] = list = [];
            list.Add(entry);
        }

        for (int rep = 0; rep <= reps; rep++)
        {
            var origin = CoreReplica.W1Origin(inputs, withSets: false);
            Measure("W1 sets", () => { foreach (var edit in inputs.W1.Edits) origin.Apply(edit); });
            var w1 = origin.EncodeAll(docs);
            var a = CoreReplica.Load("bench-a", w1);
            var b = CoreReplica.Load("bench-b", w1);
            foreach (var op in inputs.W2) a.Apply(op);
            var bHas = b.Versions(docs);
            byte[][] updates = [];
            Measure("W2 encode", () => updates = a.DeltasFor(bHas));
            Measure("W2 apply", () => b.MergeAll(updates));
            var stored = b.EncodeAll(docs);
            CoreReplica? loaded = null;
            Measure("W4 load", () => loaded = CoreReplica.Load("bench-reader", stored));
            Measure("W4 read", () => loaded!.ReadEverything(docs));
            var (w3a, w3b) = W3Replicas(inputs, w1);
            var (w3aHas, w3bHas) = (w3a.Versions(docs), w3b.Versions(docs));
            byte[][] forB = [], forA = [];
            Measure("W3 encode", () => { forB = w3a.DeltasFor(w3bHas); forA = w3b.DeltasFor(w3aHas); });
            Measure("W3 merge", () => { w3a.MergeAll(forA); w3b.MergeAll(forB); });
            if (rep == 0) phases.Clear(); // warm-up
        }
        output.WriteLine($"process CPU ms (user+sys) / wall ms / allocated bytes per phase, scale {scaleFactor}, {reps} reps (min | median); load {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (var (phase, list) in phases)
        {
            double Median(IEnumerable<double> xs) { var s = xs.Order().ToList(); return s[s.Count / 2]; }
            output.WriteLine($"  {phase,-10} cpu {list.Min(e => e.Cpu),7:F1} | {Median(list.Select(e => e.Cpu)),7:F1}   wall {list.Min(e => e.Wall),7:F1} | {Median(list.Select(e => e.Wall)),7:F1}   alloc {list.Min(e => e.Bytes) / 1e6,7:F2} MB");
        }
        return 0;
    }
}
