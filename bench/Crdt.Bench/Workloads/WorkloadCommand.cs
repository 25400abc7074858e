namespace Crdt.Bench.Workloads;

/// <summary>Runs the chosen target over W1–W4, writes the JSON and prints the table.</summary>
public static class WorkloadCommand
{
    /// <summary>Exit code 0 when every correctness check held, 1 when a state was wrong.</summary>
    public static int Run(WorkloadOptions options, TextWriter output)
    {
        using var target = WorkloadTargets.Create(options);
        var report = WorkloadHarness.Run(target, options, Console.Error);
        ReportWriter.WriteJson(report, options.Json);
        ReportWriter.WriteTable(report, options.Target, output);
        output.WriteLine($"written: {options.Json.FullName}");
        if (report.Correct) return 0;
        output.WriteLine("A STATE IS WRONG (see MISMATCH / NO above): these figures measure an incorrect store.");
        return 1;
    }
}
