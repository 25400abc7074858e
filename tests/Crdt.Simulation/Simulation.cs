using Crdt.Simulation.Scenario;

namespace Crdt.Simulation;

/// <summary>Entry point of the deterministic simulation (see <see cref="SimulationRun"/> for what one run does and checks).</summary>
public static class Simulation
{
    /// <summary>Runs one seed: <paramref name="steps"/> random steps, then healing and the final checks.
    /// <paramref name="auditEveryStep"/> replays the relay's log after every step (else only at the end).</summary>
    public static Task<SimulationResult> RunAsync(int seed, int steps = 40, bool auditEveryStep = true) =>
        SimulationRun.RunAsync(seed, steps, auditEveryStep);

    /// <summary>The seed to replay from the environment (<c>SIM_SEED</c>), or null.</summary>
    public static int? SeedFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("SIM_SEED"), out var seed) ? seed : null;
}
