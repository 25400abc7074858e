using System.Globalization;

namespace Crdt.Bench.Workloads;

/// <summary>
/// What else ran while a phase was timed: CPU time of each other thread of this process (the tiered JIT, the
/// GC's background thread, …), the process's page faults, and the machine's busy and steal time from
/// /proc/stat (in ticks of 10 ms: coarse, useful over several phases). All zero off Linux.
/// </summary>
internal readonly record struct ProcessCounters(
    IReadOnlyDictionary<string, long> OtherThreadsCpuNs, long MinorFaults, long MachineBusyTicks, long MachineStealTicks)
{
    /// <summary>Clock ticks per second of /proc/stat (USER_HZ, 100 on every Linux build we run on).</summary>
    public const double TicksPerSecond = 100;

    public static ProcessCounters Sample(int exceptTid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new ProcessCounters(new Dictionary<string, long>(), 0, 0, 0);
        }
        var others = new Dictionary<string, long>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            var tid = Path.GetFileName(task);
            if (tid == exceptTid.ToString(CultureInfo.InvariantCulture))
            {
                continue;
            }
            try
            {
                others[File.ReadAllText(Path.Combine(task, "comm")).Trim() + "/" + tid] =
                    ProcFile.Fields(File.ReadAllText(Path.Combine(task, "schedstat")))[0];
            }
            catch (IOException)
            {
                // The thread ended between listing and reading: its time is simply not counted.
            }
        }
        // cpu  user nice system idle iowait irq softirq steal: busy = all but idle, iowait and steal.
        var cpu = ProcFile.Fields(File.ReadLines("/proc/stat").First()["cpu".Length..]);
        return new ProcessCounters(others, ProcFile.StatFields("/proc/self/stat")[ProcFile.StatMinorFaults],
            cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6], cpu[7]);
    }
}
