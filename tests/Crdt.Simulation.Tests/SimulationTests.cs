using Crdt.Simulation;
using Xunit.Abstractions;

namespace Crdt.Simulation.Tests;

/// <summary>
/// Guards against sync losing an acknowledged edit, storing an op twice, or leaving replicas
/// diverged, under drops, duplicates, delays, partitions, skewed clocks and crashes: many seeds of
/// the deterministic simulation. A failure prints its seed; <c>SIM_SEED=n</c> replays that one seed.
/// </summary>
public sealed class SimulationTests(ITestOutputHelper output)
{
    private const int Seeds = 200;
    private const int Steps = 30;

    [Fact]
    public async Task Every_seed_keeps_acknowledged_edits_stores_no_op_twice_and_converges()
    {
        var seeds = Simulation.SeedFromEnvironment() is { } one ? [one] : Enumerable.Range(1, Seeds).ToArray();
        var failures = new List<string>();
        int edits = 0, relayOps = 0, deviceCrashes = 0, relayCrashes = 0;
        foreach (var seed in seeds)
        {
            var result = await Simulation.RunAsync(seed, Steps, auditEveryStep: true);
            edits += result.AcknowledgedEdits;
            relayOps += result.RelayOps;
            deviceCrashes += result.DeviceCrashes;
            relayCrashes += result.RelayCrashes;
            if (!result.Passed) failures.Add(result.Report());
        }
        output.WriteLine($"{seeds.Length} seeds: {edits} acknowledged edits, {relayOps} ops at the relay, " +
            $"{deviceCrashes} device crashes, {relayCrashes} relay crashes, {failures.Count} failed");
        Assert.True(failures.Count == 0, $"{failures.Count} of {seeds.Length} seeds failed:\n" + string.Join("\n\n", failures.Take(3)));
        // The runs must have exercised something: a simulation that does nothing passes trivially.
        Assert.True(edits > seeds.Length * 5, $"only {edits} acknowledged edits in {seeds.Length} seeds");
    }

    [Fact]
    public async Task A_seed_replays_the_same_run()
    {
        var first = await Simulation.RunAsync(7, Steps);
        var second = await Simulation.RunAsync(7, Steps);
        Assert.True(first.Passed, first.Report());
        Assert.Equal(first.Trace, second.Trace);
        Assert.Equal(first.RelayOps, second.RelayOps);
    }
}
