using System.Globalization;

namespace Crdt.Bench.Workloads;

/// <summary>
/// CPU time of every thread on the machine (from /proc/*/task/*/schedstat), by process: two samples around a
/// timed phase say which other processes took the CPUs while the phase waited on a run queue. About 330 threads
/// on the bench VM: a few milliseconds to read, outside the timed interval. Empty off Linux.
/// </summary>
internal sealed class MachineThreads
{
    private readonly Dictionary<(int Pid, int Tid), long> _cpuNs = [];
    private readonly Dictionary<int, string> _names = [];

    public static MachineThreads Sample()
    {
        var sample = new MachineThreads();
        if (!OperatingSystem.IsLinux())
        {
            return sample;
        }
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }
            try
            {
                sample._names[pid] = File.ReadAllText(Path.Combine(process, "comm")).Trim();
                foreach (var task in Directory.EnumerateDirectories(Path.Combine(process, "task")))
                {
                    int tid = int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture);
                    sample._cpuNs[(pid, tid)] = ProcFile.Fields(File.ReadAllText(Path.Combine(task, "schedstat")))[0];
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process or thread ended while it was read: its time is simply not counted.
            }
        }
        return sample;
    }

    /// <summary>
    /// CPU milliseconds each other process used between <paramref name="before"/> and this sample, busiest
    /// first, named "comm/pid" (kernel threads included: kdamond, kworkers).
    /// </summary>
    public IReadOnlyList<(string Process, double Ms)> OthersSince(MachineThreads before, int ownPid) =>
        _cpuNs.Where(t => t.Key.Pid != ownPid)
            .GroupBy(t => t.Key.Pid)
            .Select(g => ($"{_names.GetValueOrDefault(g.Key, "?")}/{g.Key}",
                g.Sum(t => t.Value - before._cpuNs.GetValueOrDefault(t.Key)) / 1e6))
            .Where(p => p.Item2 >= 0.05)
            .OrderByDescending(p => p.Item2)
            .ToList();
}
