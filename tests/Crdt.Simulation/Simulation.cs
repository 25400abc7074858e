using Crdt.Simulation.Scenario;

namespace Crdt.Simulation;

/// <summary>Entry point of the deterministic simulation (see <see cref="SimulationRun"/> for what one run does and checks).</summary>
public static class Simulation
{
    /// <summary>Runs one seed: <paramref name="steps"/> random steps, then healing and the final checks.
    /// <paramref name="auditEveryStep"/> replays the relay's log after every step (else only at the end).</summary>
    public static Task<SimulationResult> RunAsync(int seed, int steps = 40, bool auditEveryStep = true) =>
        SimulationRun.RunAsync(seed, steps, auditEveryStep);

    /// <summary>Where runs keep their SQLite files: <c>SIM_DIR</c>, else /dev/shm when there is one (the
    /// simulation crashes processes, not machines, so an fsync proves nothing and only costs time), else the temp folder.</summary>
    public static string Scratch() =>
        Environment.GetEnvironmentVariable("SIM_DIR") is { Length: > 0 } dir ? dir
        : Directory.Exists("/dev/shm") ? "/dev/shm"
        : Path.GetTempPath();

    /// <summary>The seed to replay from the environment (<c>SIM_SEED</c>), or null.</summary>
    public static int? SeedFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("SIM_SEED"), out var seed) ? seed : null;
}
