using System.CommandLine;
using System.Diagnostics;
using Crdt.Bench.Workloads;
using Crdt.Core;

namespace Crdt.Bench.Memory;

/// <summary>
/// <c>w4-split [--scale S] [--reps N]</c>: W4 (cold load and read, as <see cref="MemoryTarget"/> times it)
/// taken apart per repetition: wall clock, process CPU (user + sys, all threads: a background GC's
/// marking counts here and not on the measuring thread), bytes allocated, and the garbage collections of
/// each generation that ran inside the phase; the load is split into parsing the bytes
/// (<see cref="PreparedSnapshot.Prepare"/>) and merging them into the fresh set, the parse once more in its two steps (wire bytes to parts, parts to records). Says where W4's wall
/// clock goes when its process CPU does not explain it (run it with and without
/// <c>DOTNET_gcConcurrent=0</c> to see what background collections cost).
/// </summary>
internal static class ColdLoadFigures
{
    public static Command Create()
    {
        var scale = new Option<double>("--scale") { Description = "Scale factor (1 = full size).", DefaultValueFactory = _ => 1.0 };
        var reps = new Option<int>("--reps") { Description = "Repetitions after one warm-up.", DefaultValueFactory = _ => 7 };
        var command = new Command("w4-split", "W4 load and read per repetition: wall, process CPU, allocations, GC counts per generation; load split into parse and merge.") { scale, reps };
        command.SetAction(parse =>
        {
            if (parse.GetValue(scale) is <= 0 or > 100 || parse.GetValue(reps) < 1)
            {
                Console.Error.WriteLine("--scale must be in (0, 100] and --reps at least 1.");
                return 2;
            }
            return Run(parse.GetValue(scale), parse.GetValue(reps), Console.Out);
        });
        return command;
    }

    private readonly record struct Sample(double Wall, double Cpu, long Bytes, int Gen0, int Gen1, int Gen2);

    private static Sample Measure(Action phase)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var (g0, g1, g2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        long start = Stopwatch.GetTimestamp();
        phase();
        double wall = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        process.Refresh();
        return new Sample(wall, (process.TotalProcessorTime - cpu).TotalMilliseconds, GC.GetTotalAllocatedBytes(precise: true) - allocated,
            GC.CollectionCount(0) - g0, GC.CollectionCount(1) - g1, GC.CollectionCount(2) - g2);
    }

    public static int Run(double scaleFactor, int reps, TextWriter output)
    {
        var inputs = new WorkloadInputs(new WorkloadScale(scaleFactor));
        int docs = inputs.Scale.Docs;
        // B's state after W2, as W4 loads it (untimed).
        var w1 = CoreReplica.W1Origin(inputs, withSets: true).EncodeAll(docs);
        var a = CoreReplica.Load("bench-a", w1);
        var b = CoreReplica.Load("bench-b", w1);
        foreach (var op in inputs.W2) a.Apply(op);
        b.MergeAll(a.DeltasFor(b.Versions(docs)));
        byte[][] stored = b.EncodeAll(docs);

        var rows = new Dictionary<string, List<Sample>>();
        void Add(string name, Sample sample)
        {
            if (!rows.TryGetValue(name, out var list)) rows[name] = list = [];
            list.Add(sample);
        }
        for (int rep = 0; rep <= reps; rep++)
        {
            // W4 as MemoryTarget runs it: settle, load (timed), read (timed).
            Timing.Settle();
            CoreReplica? loaded = null;
            var load = Measure(() => loaded = CoreReplica.Load("bench-reader", stored));
            long values = 0;
            var read = Measure(() => values = loaded!.ReadEverything(docs));
            if (values == 0) throw new InvalidOperationException("W4 read no values");
            loaded = null;

            // The load again, parse and merge apart.
            Timing.Settle();
            PreparedSnapshot[] prepared = [];
            var parse = Measure(() => prepared = stored.Select(s => PreparedSnapshot.Prepare(s)).ToArray());
            var into = new CoreReplica("bench-reader");
            var merge = Measure(() =>
            {
                foreach (var snapshot in prepared) into.Documents.MergeSnapshot(snapshot);
            });
            // The parse again, in its two steps: bytes to SnapshotParts, SnapshotParts to the parsed records.
            Timing.Settle();
            Crdt.Core.Codec.SnapshotParts[] parts = [];
            var wire = Measure(() => parts = stored.Select(s => Crdt.Core.Codec.SnapshotWireReader.Read(s)!).ToArray());
            var reader = Measure(() =>
            {
                foreach (var p in parts) Crdt.Core.Codec.SnapshotReader.Read(p);
            });
            if (rep == 0) continue; // warm-up
            Add("load", load);
            Add("read", read);
            Add("load+read", new Sample(load.Wall + read.Wall, load.Cpu + read.Cpu, load.Bytes + read.Bytes,
                load.Gen0 + read.Gen0, load.Gen1 + read.Gen1, load.Gen2 + read.Gen2));
            Add("  parse", parse);
            Add("  merge", merge);
            Add("  (wire)", wire);
            Add("  (reader)", reader);
        }
        output.WriteLine($"W4 split, scale {scaleFactor}, {reps} reps (min | median), {Environment.ProcessorCount} cores, " +
            $"concurrent GC {(System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Batch ? "off" : "on")}; load {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (var (name, list) in rows)
        {
            static double Median(IEnumerable<double> xs)
            {
                var sorted = xs.Order().ToList();
                return sorted[sorted.Count / 2];
            }
            output.WriteLine($"  {name,-10} wall {list.Min(s => s.Wall),6:F1} | {Median(list.Select(s => s.Wall)),6:F1} ms   cpu {list.Min(s => s.Cpu),6:F1} | {Median(list.Select(s => s.Cpu)),6:F1} ms   " +
                $"alloc {Median(list.Select(s => (double)s.Bytes)) / 1e6,6:F2} MB   GCs gen0/1/2 per rep {Median(list.Select(s => (double)s.Gen0))}/{Median(list.Select(s => (double)s.Gen1))}/{Median(list.Select(s => (double)s.Gen2))}");
        }
        return 0;
    }
}
