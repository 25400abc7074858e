using Crdt.Core;
using FsCheck;
using FsCheck.Fluent;

namespace Crdt.Core.Tests;

/// <summary>Guards the hybrid logical clock: monotonic under backwards and skewed clocks, counter overflow, and the skew check.</summary>
public sealed class HlcTests
{
    private static readonly ReplicaId Local = new("local");
    private static readonly ReplicaId Remote = new("remote");

    [Fact]
    public void Now_follows_the_wall_clock_when_it_advances()
    {
        var clock = new HlcClock(Local);
        Assert.Equal(new Hlc(1_000, 0, Local), clock.Now(1_000));
        Assert.Equal(new Hlc(2_000, 0, Local), clock.Now(2_000));
    }

    [Fact]
    public void Now_stays_monotonic_when_the_wall_clock_steps_back()
    {
        var clock = new HlcClock(Local);
        var first = clock.Now(10_000);
        var afterStepBack = clock.Now(4_000);
        var again = clock.Now(4_001);

        Assert.True(afterStepBack > first);
        Assert.Equal(10_000, afterStepBack.WallMs);
        Assert.Equal(1, afterStepBack.Counter);
        Assert.True(again > afterStepBack);
    }

    [Fact]
    public void Counter_overflow_in_one_millisecond_moves_to_the_next_millisecond()
    {
        var clock = new HlcClock(Local, new Hlc(5_000, Hlc.MaxCounter, Local));
        var next = clock.Now(5_000);

        Assert.Equal(new Hlc(5_001, 0, Local), next);
        Assert.Equal(new Hlc(5_001, 1, Local), clock.Now(5_000));
    }

    [Fact]
    public void Receive_overflow_at_the_remote_counter_limit_still_orders_after_the_remote()
    {
        var clock = new HlcClock(Local);
        var remote = new Hlc(9_000, Hlc.MaxCounter, Remote);
        var received = clock.Receive(remote, 8_000);
        Assert.True(received > remote);
        Assert.Equal(9_001, received.WallMs);
    }

    [Fact]
    public void Receive_from_a_clock_running_ahead_orders_later_local_stamps_after_it()
    {
        var clock = new HlcClock(Local);
        clock.Now(1_000);
        var remote = new Hlc(60_000, 3, Remote);

        var received = clock.Receive(remote, 1_100);
        var local = clock.Now(1_200);

        Assert.True(received > remote);
        Assert.Equal(new Hlc(60_000, 4, Local), received);
        Assert.True(local > received);
    }

    [Fact]
    public void Receive_of_an_older_stamp_keeps_the_local_clock()
    {
        var clock = new HlcClock(Local);
        var now = clock.Now(50_000);
        var received = clock.Receive(new Hlc(10_000, 7, Remote), 50_000);
        Assert.Equal(new Hlc(50_000, now.Counter + 1, Local), received);
    }

    [Theory]
    [InlineData(10 * 60_000, 5, true)]
    [InlineData(4 * 60_000, 5, false)]
    [InlineData(5 * 60_000, 5, false)]
    [InlineData(-60 * 60_000, 5, false)]
    public void IsBeyondSkew_refuses_only_stamps_too_far_ahead(long aheadMs, int maxMinutes, bool expected)
    {
        var wall = 1_700_000_000_000;
        Assert.Equal(expected, HlcClock.IsBeyondSkew(new Hlc(wall + aheadMs, 0, Remote), wall, TimeSpan.FromMinutes(maxMinutes)));
    }

    [Fact]
    public void Stamps_order_by_wall_time_then_counter_then_replica()
    {
        Assert.True(new Hlc(1, 9, Remote) < new Hlc(2, 0, Local));
        Assert.True(new Hlc(2, 0, Remote) < new Hlc(2, 1, Local));
        Assert.True(new Hlc(2, 1, Local) < new Hlc(2, 1, Remote));
        Assert.Equal(0, new Hlc(2, 1, Local).CompareTo(new Hlc(2, 1, Local)));
    }

    [Fact]
    public void The_operators_agree_with_CompareTo_within_and_across_milliseconds()
    {
        // The operators settle different milliseconds inline and defer to CompareTo otherwise: both paths.
        Hlc[] stamps = [new(1, 0, Local), new(1, 0, Remote), new(1, 5, Local), new(2, 0, Local), new(2, 0, Remote), new(-1, 3, Remote)];
        foreach (var a in stamps)
        {
            foreach (var b in stamps)
            {
                var c = a.CompareTo(b);
                Assert.Equal(c < 0, a < b);
                Assert.Equal(c > 0, a > b);
                Assert.Equal(c <= 0, a <= b);
                Assert.Equal(c >= 0, a >= b);
            }
        }
    }

    [Fact]
    public void Any_mix_of_local_ticks_and_receives_under_any_wall_clock_is_strictly_increasing()
    {
        var steps = Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 3), Gen.Choose(-100_000, 100_000)));
        Prop.ForAll(Arb.From(steps), ops =>
        {
            var clock = new HlcClock(Local);
            var previous = clock.Last;
            long wall = 1_000_000;
            foreach (var (kind, delta) in ops)
            {
                wall += delta / 10;
                var remote = new Hlc(wall + delta, Math.Abs(delta) % (Hlc.MaxCounter + 1), Remote);
                var stamp = kind == 0 ? clock.Receive(remote, wall) : clock.Now(kind == 1 ? wall - 50_000 : wall);
                if (kind == 0)
                {
                    Assert.True(stamp > remote, $"{stamp} is not after the received {remote}");
                }
                // Never behind the wall clock it was given.
                Assert.True(stamp.WallMs >= (kind == 1 ? wall - 50_000 : wall));
                Assert.True(stamp > previous, $"{stamp} is not after {previous}");
                Assert.Equal(Local, stamp.Replica);
                previous = stamp;
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000).WithQuietOnSuccess(true));
    }
}
