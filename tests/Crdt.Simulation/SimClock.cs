namespace Crdt.Simulation;

/// <summary>
/// Simulated time: one world clock that only the simulation moves, and per-party clocks that read
/// it with their own offset (skewed, or jumped forward or back), so no run depends on the machine's clock.
/// </summary>
public sealed class SimWorld(DateTimeOffset start)
{
    public DateTimeOffset Now { get; private set; } = start;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>A party's clock: the world's time plus an offset the simulation changes (skew, jumps).</summary>
public sealed class SimClock(SimWorld world) : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => world.Now + Offset;
}
