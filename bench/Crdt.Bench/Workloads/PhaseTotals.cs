using System.Globalization;

namespace Crdt.Bench.Workloads;

/// <summary>Sums over timed phases: wall time, the timing thread's CPU time and its run-queue wait, in ms.</summary>
public readonly record struct PhaseTotals(int Phases, double WallMs, double CpuMs, double RunQueueMs)
{
    public PhaseTotals Add(double wallMs, (long CpuNs, long RunQueueNs) before, (long CpuNs, long RunQueueNs) after) =>
        new(Phases + 1, WallMs + wallMs, CpuMs + (after.CpuNs - before.CpuNs) / 1e6, RunQueueMs + (after.RunQueueNs - before.RunQueueNs) / 1e6);

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
