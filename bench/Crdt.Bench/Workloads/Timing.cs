using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Crdt.Bench.Workloads;

/// <summary>Wall-clock timing of one phase, in milliseconds.</summary>
public static class Timing
{
    // The caller's name, file and line only label the phase in diagnostics (PhaseDiagnostics, CRDT_BENCH_DIAG=1).
    public static double Ms(Action phase,
        [CallerMemberName] string caller = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var diag = PhaseDiagnostics.Enabled ? PhaseDiagnostics.Begin() : default;
        var before = ThreadCounters.CpuAndQueueBefore();
        long start = Stopwatch.GetTimestamp();
        phase();
        long end = Stopwatch.GetTimestamp();
        var after = ThreadCounters.CpuAndQueueAfter();
        double elapsedMs = PhaseDiagnostics.Ms(start, end);
        Totals = Totals.Add(elapsedMs, before, after);
        if (PhaseDiagnostics.Enabled)
        {
            PhaseDiagnostics.End(diag, start, end, PhaseDiagnostics.Name(caller, file, line));
        }
        return elapsedMs;
    }

    public static T Ms<T>(Func<T> phase, out double elapsedMs,
        [CallerMemberName] string caller = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var diag = PhaseDiagnostics.Enabled ? PhaseDiagnostics.Begin() : default;
        var before = ThreadCounters.CpuAndQueueBefore();
        long start = Stopwatch.GetTimestamp();
        T result = phase();
        long end = Stopwatch.GetTimestamp();
        var after = ThreadCounters.CpuAndQueueAfter();
        elapsedMs = PhaseDiagnostics.Ms(start, end);
        Totals = Totals.Add(elapsedMs, before, after);
        if (PhaseDiagnostics.Enabled)
        {
            PhaseDiagnostics.End(diag, start, end, PhaseDiagnostics.Name(caller, file, line));
        }
        return result;
    }

    /// <summary>
    /// Wall time of the phases timed since the last <see cref="ResetTotals"/>, split into the timing thread's
    /// CPU time and its wait on a run queue (zero off Linux). The wait is time other runnable threads held both
    /// CPUs: the share of wall time that says a run was not on an idle machine.
    /// </summary>
    public static PhaseTotals Totals { get; private set; }

    public static void ResetTotals() => Totals = default;

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
