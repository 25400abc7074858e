namespace Crdt.Bench.Workloads;

/// <summary>
/// The machine a report was measured on, with its load average when the run started
/// (a shared machine's other work inflates every time).
/// </summary>
public sealed record MachineInfo(int Nproc, string Cpu, string Runtime, string LoadAverage)
{
    public static MachineInfo Current() => new(Environment.ProcessorCount, CpuModel(), $".NET {Environment.Version}", Load());

    private static string Load()
    {
        const string loadavg = "/proc/loadavg";
        return File.Exists(loadavg) ? string.Join(' ', File.ReadAllText(loadavg).Split(' ').Take(3)) : "unknown";
    }

    private static string CpuModel()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (File.Exists(cpuinfo))
        {
            var line = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }
}
