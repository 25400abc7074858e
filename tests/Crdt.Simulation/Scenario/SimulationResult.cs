namespace Crdt.Simulation.Scenario;

/// <summary>What one seed's run did and found. <see cref="Problems"/> empty means every invariant held.</summary>
public sealed class SimulationResult
{
    public required int Seed { get; init; }
    public required int Devices { get; init; }
    public required int Steps { get; init; }
    public List<string> Problems { get; } = [];
    public List<string> Trace { get; } = [];
    public int AcknowledgedEdits { get; set; }
    public int RelayOps { get; set; }
    public int DeviceCrashes { get; set; }
    public int RelayCrashes { get; set; }
    public int HealRounds { get; set; }

    public bool Passed => Problems.Count == 0;

    /// <summary>The seed, how to replay it, the problems, and the last lines of the trace.</summary>
    public string Report(int traceLines = 80) =>
        $"seed {Seed} ({Devices} devices, {Steps} steps) FAILED; replay: SIM_SEED={Seed} dotnet test tests/Crdt.Simulation.Tests " +
        $"--filter FullyQualifiedName~SimulationTests (or: dotnet run --project bench/Crdt.Simulate -- sim --seed {Seed} --trace)\n" +
        string.Join("\n", Problems.Take(20).Select(p => "  - " + p)) +
        $"\n  trace (last {Math.Min(traceLines, Trace.Count)} of {Trace.Count} lines):\n" +
        string.Join("\n", Trace.TakeLast(traceLines).Select(t => "    " + t));

    public override string ToString() =>
        $"seed {Seed}: {Devices} devices, {Steps} steps, {AcknowledgedEdits} acknowledged edits, {RelayOps} ops at the relay, " +
        $"{DeviceCrashes} device crashes, {RelayCrashes} relay crashes, healed in {HealRounds} round(s): {(Passed ? "ok" : "FAILED")}";
}
