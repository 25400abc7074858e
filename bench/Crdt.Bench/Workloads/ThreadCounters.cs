using System.Globalization;
using System.Runtime.InteropServices;

namespace Crdt.Bench.Workloads;

/// <summary>
/// Linux scheduler and memory counters of the calling thread, read from /proc and its CPU-time clock (on
/// other systems every field is 0). Two samples taken around a timed phase split its wall time into time on a
/// CPU, time waiting on a run queue for one, and the rest (asleep or blocked), and count its page faults and
/// context switches.
/// </summary>
public readonly record struct ThreadCounters(
    int Tid, long CpuNs, long RunQueueNs, long MinorFaults, long MajorFaults, long Voluntary, long Involuntary)
{
    /// <summary>
    /// Taken just before a phase: the slower /proc reads first, the thread's CPU time last, so that reading
    /// the counters is not billed to the phase.
    /// </summary>
    public static ThreadCounters BeforePhase()
    {
        if (!OperatingSystem.IsLinux())
        {
            return default;
        }
        var (minor, major, voluntary, involuntary) = FaultsAndSwitches();
        long queue = RunQueue();
        return new ThreadCounters(CurrentTid(), ThreadCpuNs(), queue, minor, major, voluntary, involuntary);
    }

    /// <summary>Taken just after a phase: the thread's CPU time first, the slower reads after it.</summary>
    public static ThreadCounters AfterPhase()
    {
        if (!OperatingSystem.IsLinux())
        {
            return default;
        }
        long cpu = ThreadCpuNs();
        long queue = RunQueue();
        var (minor, major, voluntary, involuntary) = FaultsAndSwitches();
        return new ThreadCounters(CurrentTid(), cpu, queue, minor, major, voluntary, involuntary);
    }

    /// <summary>
    /// Only the thread's CPU time and run-queue wait so far (two cheap reads, taken around every timed phase):
    /// <see cref="Timing.Totals"/> sums them over a run.
    /// </summary>
    public static (long CpuNs, long RunQueueNs) CpuAndQueueBefore()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (0, 0);
        }
        // The CPU clock last, right before the phase, so reading the file is not counted as the phase's CPU.
        long queue = RunQueue();
        return (ThreadCpuNs(), queue);
    }

    /// <summary>As <see cref="CpuAndQueueBefore"/>, after the phase: the CPU clock first.</summary>
    public static (long CpuNs, long RunQueueNs) CpuAndQueueAfter() =>
        OperatingSystem.IsLinux() ? (ThreadCpuNs(), RunQueue()) : (0, 0);

    // schedstat: time on a CPU (ns), time waiting on a run queue (ns), timeslices. The wait is exact when the
    // thread reads it (it was brought up to date when the thread last got a CPU); the time on a CPU of a
    // running thread is only brought up to date at a tick (4 ms at HZ=250), hence the CPU-time clock.
    private static long RunQueue() => ProcFile.Fields(File.ReadAllText("/proc/thread-self/schedstat"))[1];

    private static (long Minor, long Major, long Voluntary, long Involuntary) FaultsAndSwitches()
    {
        var stat = ProcFile.StatFields("/proc/thread-self/stat");
        long voluntary = 0, involuntary = 0;
        foreach (var line in File.ReadLines("/proc/thread-self/status"))
        {
            if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
            {
                voluntary = long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
            {
                involuntary = long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
            }
        }
        return (stat[ProcFile.StatMinorFaults], stat[ProcFile.StatMajorFaults], voluntary, involuntary);
    }

    private static int CurrentTid() =>
        int.Parse(Path.GetFileName(new DirectoryInfo("/proc/thread-self").ResolveLinkTarget(false)!.FullName), CultureInfo.InvariantCulture);

    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private static long ThreadCpuNs() =>
        ClockGetTime(ClockThreadCpuTime, out var t) == 0 ? t.Seconds * 1_000_000_000 + t.Nanoseconds : 0;
}
