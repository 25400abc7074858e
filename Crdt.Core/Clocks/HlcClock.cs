namespace Crdt.Core;

/// <summary>
/// The hybrid logical clock of one replica. It never reads a clock: the caller passes the
/// wall time in, which keeps Crdt.Core deterministic. Stamps only grow, even when the wall
/// clock steps back (the clock then keeps the last wall time and counts up).
/// Counter overflow: when a millisecond has used <see cref="Hlc.MaxCounter"/> stamps, the
/// next stamp moves to the following millisecond with counter 0, running at most a little
/// ahead of the wall clock until the wall clock catches up.
/// </summary>
public sealed class HlcClock
{
    /// <summary>Creates a clock for <paramref name="replica"/>, resuming after <paramref name="last"/> (e.g. restored from storage).</summary>
    public HlcClock(ReplicaId replica, Hlc last = default)
    {
        if (replica.IsEmpty)
        {
            throw new ArgumentException("a clock needs a replica id", nameof(replica));
        }
        Replica = replica;
        _lastWallMs = last.WallMs;
        _lastCounter = last.Counter;
    }

    // The last stamp without its replica, which is always this clock's: storing a whole Hlc wrote its
    // replica reference (a GC write barrier) on every edit.
    private long _lastWallMs;
    private int _lastCounter;

    /// <summary>The replica whose stamps this clock makes.</summary>
    public ReplicaId Replica { get; }

    /// <summary>The last stamp made or received (persist it to resume monotonic after restart).</summary>
    public Hlc Last => new(_lastWallMs, _lastCounter, Replica);

    /// <summary>A new stamp for a local event at wall time <paramref name="wallMs"/>, after every earlier one.</summary>
    public Hlc Now(long wallMs)
    {
        var now = wallMs > _lastWallMs ? new Hlc(wallMs, 0, Replica) : Next(_lastWallMs, _lastCounter + 1);
        SetLast(now);
        return now;
    }

    /// <summary>
    /// Merges a remote stamp (an op received from another replica): the returned stamp is
    /// after both the remote one and every earlier local one, so a later local edit wins over
    /// what the user has just seen. Check <see cref="IsBeyondSkew"/> first to refuse stamps
    /// from the far future, which would otherwise drag this clock ahead.
    /// </summary>
    public Hlc Receive(Hlc remote, long wallMs)
    {
        var wall = Math.Max(wallMs, Math.Max(_lastWallMs, remote.WallMs));
        int counter;
        if (wall == _lastWallMs && wall == remote.WallMs)
        {
            counter = Math.Max(_lastCounter, remote.Counter) + 1;
        }
        else if (wall == _lastWallMs)
        {
            counter = _lastCounter + 1;
        }
        else if (wall == remote.WallMs)
        {
            counter = remote.Counter + 1;
        }
        else
        {
            counter = 0;
        }
        var next = Next(wall, counter);
        SetLast(next);
        return next;
    }

    private void SetLast(in Hlc stamp)
    {
        _lastWallMs = stamp.WallMs;
        _lastCounter = stamp.Counter;
    }

    /// <summary>True when <paramref name="remote"/> is more than <paramref name="maxAhead"/> ahead of <paramref name="wallMs"/>.</summary>
    public static bool IsBeyondSkew(Hlc remote, long wallMs, TimeSpan maxAhead) =>
        remote.WallMs - wallMs > (long)maxAhead.TotalMilliseconds;

    private Hlc Next(long wall, int counter) =>
        counter > Hlc.MaxCounter ? new Hlc(wall + 1, 0, Replica) : new Hlc(wall, counter, Replica);
}
