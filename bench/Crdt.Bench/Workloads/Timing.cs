using System.Diagnostics;

namespace Crdt.Bench.Workloads;

/// <summary>Wall-clock timing of one phase, in milliseconds.</summary>
public static class Timing
{
    public static double Ms(Action phase)
    {
        long start = Stopwatch.GetTimestamp();
        phase();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    public static T Ms<T>(Func<T> phase, out double elapsedMs)
    {
        long start = Stopwatch.GetTimestamp();
        T result = phase();
        elapsedMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return result;
    }

    /// <summary>
    /// Before a timed phase: collects garbage so one phase's garbage is not billed to the next, and waits
    /// until the tiered JIT has finished recompiling what the untimed work before made hot (W1's creates
    /// made the JIT recompile ~50 methods during the sets that followed them, on the same 2 cores).
    /// </summary>
    public static void Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        if (WaitForJit)
        {
            JitSettle.WaitForQuiet();
        }
    }

    /// <summary>
    /// Whether <see cref="Settle"/> waits for a quiet JIT. Off by default: the JIT count is the whole
    /// process's, so in a test host running other tests in parallel every wait would run to its cap; the
    /// workload harness turns it on for runs at scale 0.1 and above (the figures it reports).
    /// </summary>
    public static bool WaitForJit { get; set; }
}
