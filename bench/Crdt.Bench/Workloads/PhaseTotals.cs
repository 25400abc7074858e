using System.Globalization;

namespace Crdt.Bench.Workloads;

/// <summary>Sums over timed phases: wall time, the timing thread's CPU time and its run-queue wait, in ms.</summary>
public readonly record struct PhaseTotals(int Phases, double WallMs, double CpuMs, double RunQueueMs)
{
    public PhaseTotals Add(double wallMs, (long CpuNs, long RunQueueNs) before, (long CpuNs, long RunQueueNs) after)
    {
        double cpuMs = (after.CpuNs - before.CpuNs) / 1e6;
        return new(Phases + 1, WallMs + wallMs, CpuMs + cpuMs, RunQueueMs + WaitWithin(wallMs, cpuMs, (after.RunQueueNs - before.RunQueueNs) / 1e6));
    }

    /// <summary>
    /// The run-queue wait that fell inside the phase. The wait is read a system call away from the phase's ends
    /// (and a system call is where a busy machine preempts), so it may include a preemption just outside them;
    /// the phase's own time off a CPU (wall - CPU, exact) bounds it.
    /// </summary>
    public static double WaitWithin(double wallMs, double cpuMs, double runQueueMs) => Math.Clamp(runQueueMs, 0, Math.Max(0, wallMs - cpuMs));

    /// <summary>The share of wall time the timing thread spent waiting for a CPU (0 when nothing was timed).</summary>
    public double WaitShare => WallMs > 0 ? RunQueueMs / WallMs : 0;

    /// <summary>
    /// One line for the run's log; above 5% of the wall time waiting for a CPU it says that the wall-clock
    /// figures are not an idle machine's (other processes held the CPUs), which CPU time alone would not show.
    /// </summary>
    public string Describe(string library) => string.Create(CultureInfo.InvariantCulture,
        // The rest is time asleep or blocked (I/O, locks: the replica and relay targets), ~0 for the memory target.
        $"{library}: timed phases {WallMs:F0} ms wall = {CpuMs:F0} ms on a CPU + {RunQueueMs:F0} ms waiting for one ({WaitShare:P0})" +
        $" + {Math.Max(0, WallMs - CpuMs - RunQueueMs):F0} ms asleep or blocked" +
        $"{(WaitShare > 0.05 ? "; other processes held the CPUs: the wall-clock figures are not an idle machine's" : "")}");
}
