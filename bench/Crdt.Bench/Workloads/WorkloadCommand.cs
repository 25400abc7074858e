namespace Crdt.Bench.Workloads;

/// <summary>Runs the chosen target over W1–W4, writes the JSON and prints the table.</summary>
public static class WorkloadCommand
{
    public static int Run(WorkloadOptions options, TextWriter output)
    {
        output.WriteLine($"target {options.Target} is not wired yet on this branch");
        return 3;
    }
}
