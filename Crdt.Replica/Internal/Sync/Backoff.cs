namespace Crdt.Replica.Internal.Sync;

/// <summary>
/// Exponential backoff with jitter while the relay is unreachable: the n-th consecutive failure
/// waits between half and all of min(cap, initial·2^(n-1)). The jitter spreads a fleet of
/// devices that lost the relay together, so they do not all come back in the same second.
/// Pure: the random number is passed in.
/// </summary>
internal sealed record Backoff(TimeSpan Initial, TimeSpan Cap)
{
    public static Backoff Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

    /// <param name="failures">consecutive failures so far, at least 1</param>
    /// <param name="random01">a uniform random number in [0, 1)</param>
    public TimeSpan Delay(int failures, double random01)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(random01, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(random01, 1.0);
        // 2^30 already dwarfs any cap; clamping the exponent keeps the arithmetic finite.
        var exponential = Initial.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30));
        var ceiling = Math.Min(Cap.TotalMilliseconds, exponential);
        return TimeSpan.FromMilliseconds(ceiling / 2 + ceiling / 2 * random01);
    }
}
