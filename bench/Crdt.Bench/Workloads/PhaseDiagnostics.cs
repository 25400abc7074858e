using System.Diagnostics;
using System.Runtime;

namespace Crdt.Bench.Workloads;

/// <summary>
/// With <c>CRDT_BENCH_DIAG=1</c>, <see cref="Timing"/> prints for every timed phase where its wall time went:
/// the timing thread's CPU time, its run-queue wait and the rest (asleep or blocked), its page faults and
/// context switches, other threads of the process and other processes that ran meanwhile, the machine's busy
/// and steal time, and the collections, allocations and JIT compilations in the phase. Diagnosis only: the counters are read
/// outside the timed interval, and nothing is read or printed without the variable.
/// </summary>
internal static class PhaseDiagnostics
{
    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("CRDT_BENCH_DIAG") == "1";

    /// <summary>Where diagnostics go (standard error, so JSON and tables on standard output stay clean).</summary>
    public static TextWriter Output { get; set; } = Console.Error;

    public readonly record struct Start(
        MachineThreads Machine, ProcessCounters Process, long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Pause, long Jit, ThreadCounters Thread);

    public static Start Begin()
    {
        var thread = ThreadCounters.BeforePhase();
        var machine = MachineThreads.Sample();
        var process = ProcessCounters.Sample(thread.Tid);
        var start = new Start(machine, process, GC.GetAllocatedBytesForCurrentThread(), GC.CollectionCount(0), GC.CollectionCount(1),
            GC.CollectionCount(2), GC.GetTotalPauseDuration(), JitInfo.GetCompiledMethodCount(), default);
        // The thread's own counters last, just before the phase starts.
        return start with { Thread = ThreadCounters.BeforePhase() };
    }

    public static void End(Start start, long startTimestamp, long endTimestamp, string phase)
    {
        var thread = ThreadCounters.AfterPhase();
        var jit = JitInfo.GetCompiledMethodCount() - start.Jit;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - start.Allocated;
        var (gen0, gen1, gen2) = (GC.CollectionCount(0) - start.Gen0, GC.CollectionCount(1) - start.Gen1, GC.CollectionCount(2) - start.Gen2);
        var pauseMs = (GC.GetTotalPauseDuration() - start.Pause).TotalMilliseconds;
        var process = ProcessCounters.Sample(thread.Tid);
        var machine = MachineThreads.Sample();
        var otherProcesses = machine.OthersSince(start.Machine, Environment.ProcessId);

        double wallMs = Ms(startTimestamp, endTimestamp);
        var t = start.Thread;
        double cpuMs = (thread.CpuNs - t.CpuNs) / 1e6;
        double queueMs = PhaseTotals.WaitWithin(wallMs, cpuMs, (thread.RunQueueNs - t.RunQueueNs) / 1e6);
        var s = start.Process;
        var otherThreads = process.OtherThreadsCpuNs
            .Select(o => (o.Key, Ms: (o.Value - s.OtherThreadsCpuNs.GetValueOrDefault(o.Key)) / 1e6))
            .Where(o => o.Ms >= 0.05).OrderByDescending(o => o.Ms).ToList();
        double busyMs = (process.MachineBusyTicks - s.MachineBusyTicks) * 1000 / ProcessCounters.TicksPerSecond;
        double stealMs = (process.MachineStealTicks - s.MachineStealTicks) * 1000 / ProcessCounters.TicksPerSecond;
        Output.WriteLine(
            // The Stopwatch timestamps are CLOCK_MONOTONIC ns on Linux: `perf record -k CLOCK_MONOTONIC` traces line up with them.
            $"diag {phase} tid {thread.Tid} [{startTimestamp}..{endTimestamp}]: " +
            $"wall {wallMs:F1} ms = cpu {cpuMs:F1} + runqueue {queueMs:F1} + other {wallMs - cpuMs - queueMs:F1}; " +
            $"faults minor {thread.MinorFaults - t.MinorFaults} major {thread.MajorFaults - t.MajorFaults} (process {process.MinorFaults - s.MinorFaults}); " +
            $"switches vol {thread.Voluntary - t.Voluntary} invol {thread.Involuntary - t.Involuntary}; " +
            $"other threads {otherThreads.Sum(o => o.Ms):F1} ms [{string.Join(", ", otherThreads.Take(3).Select(o => $"{o.Key} {o.Ms:F1}"))}]; " +
            $"other processes {otherProcesses.Sum(o => o.Ms):F1} ms [{string.Join(", ", otherProcesses.Take(4).Select(o => $"{o.Process} {o.Ms:F1}"))}]; " +
            $"machine busy ~{busyMs:F0} of {Environment.ProcessorCount * wallMs:F0} ms, steal ~{stealMs:F0}; " +
            $"alloc {allocated / 1e6:F2} MB, GC {gen0}/{gen1}/{gen2} pause {pauseMs:F1} ms, jit {jit}");
    }

    /// <summary>Names a phase by where it is timed (the caller of <see cref="Timing"/>), e.g. <c>MemoryTarget.RunW1:36</c>.</summary>
    public static string Name(string caller, string file, int line) => $"{Path.GetFileNameWithoutExtension(file)}.{caller}:{line}";

    /// <summary>Wall time of an interval, from <see cref="Stopwatch"/> timestamps.</summary>
    public static double Ms(long startTimestamp, long endTimestamp) =>
        Stopwatch.GetElapsedTime(startTimestamp, endTimestamp).TotalMilliseconds;
}
