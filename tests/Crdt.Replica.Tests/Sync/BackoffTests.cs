using Crdt.Replica.Internal.Sync;
using FsCheck;
using FsCheck.Fluent;

namespace Crdt.Replica.Tests.Sync;

/// <summary>Guards against a retry storm (no growth, no jitter) or a device that gives up for hours.</summary>
public sealed class BackoffTests
{
    [Fact]
    public void The_delay_lies_between_half_and_all_of_the_capped_exponential()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        Prop.ForAll(Gen.Choose(1, 200).ToArbitrary(), Gen.Choose(0, 999_999).ToArbitrary(), (failures, r) =>
        {
            var random01 = r / 1_000_000.0;
            var ceiling = Math.Min(300_000.0, 1000.0 * Math.Pow(2, Math.Min(failures - 1, 30)));
            var delay = backoff.Delay(failures, random01).TotalMilliseconds;
            return delay >= ceiling / 2 - 0.001 && delay <= ceiling + 0.001;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Jitter_spreads_devices_that_failed_together()
    {
        var backoff = Backoff.Default;

        var early = backoff.Delay(4, 0.0);
        var late = backoff.Delay(4, 0.99);

        Assert.Equal(TimeSpan.FromSeconds(4), early);
        Assert.True(late > TimeSpan.FromSeconds(7.9), $"late was {late}");
    }

    [Fact]
    public void Each_failure_doubles_the_wait_until_the_cap()
    {
        var waits = Enumerable.Range(1, 12).Select(n => Backoff.Default.Delay(n, 0.0).TotalSeconds).ToArray();

        Assert.Equal([0.5, 1, 2, 4, 8, 16, 32, 64, 128, 150, 150, 150], waits);
    }
}
