namespace Crdt.Bench.Workloads;

/// <summary>The machine a report was measured on.</summary>
public sealed record MachineInfo(int Nproc, string Cpu, string Runtime)
{
    public static MachineInfo Current() => new(Environment.ProcessorCount, CpuModel(), $".NET {Environment.Version}");

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
