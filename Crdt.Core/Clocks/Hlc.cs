namespace Crdt.Core;

/// <summary>
/// A hybrid logical clock stamp: physical milliseconds, a logical counter, and the replica
/// that made it. Totally ordered (wall time, then counter, then replica ordinal), so two
/// distinct writes never tie: it decides last-writer-wins. It keeps the edit's original
/// time, so an edit made offline at 10:00 still counts as made at 10:00 when it syncs later.
/// </summary>
public readonly record struct Hlc(long WallMs, int Counter, ReplicaId Replica) : IComparable<Hlc>
{
    /// <summary>
    /// The highest counter within one millisecond. When a clock needs more stamps in the
    /// same millisecond it moves on to the next millisecond with counter 0 (see
    /// <see cref="HlcClock"/>), which keeps stamps monotonic and the counter small on the wire.
    /// </summary>
    public const int MaxCounter = ushort.MaxValue;

    /// <summary>The lowest stamp; every real stamp is after it.</summary>
    public static Hlc Zero => default;

    /// <summary>The wall time as a UTC timestamp.</summary>
    public DateTimeOffset WallTime => DateTimeOffset.FromUnixTimeMilliseconds(WallMs);

    /// <inheritdoc />
    public int CompareTo(Hlc other)
    {
        var c = WallMs.CompareTo(other.WallMs);
        if (c != 0)
        {
            return c;
        }
        c = Counter.CompareTo(other.Counter);
        return c != 0 ? c : Replica.CompareTo(other.Replica);
    }

    /// <inheritdoc />
    public override string ToString() => $"{WallMs}.{Counter}@{Replica}";

    // The operators settle stamps of different milliseconds (nearly every comparison on the edit path: the new
    // stamp against the document's newest) inline, without the call to CompareTo.

    /// <summary>Stamp order.</summary>
    public static bool operator <(Hlc left, Hlc right) => left.WallMs != right.WallMs ? left.WallMs < right.WallMs : left.CompareTo(right) < 0;

    /// <summary>Stamp order.</summary>
    public static bool operator >(Hlc left, Hlc right) => left.WallMs != right.WallMs ? left.WallMs > right.WallMs : left.CompareTo(right) > 0;

    /// <summary>Stamp order.</summary>
    public static bool operator <=(Hlc left, Hlc right) => left.WallMs != right.WallMs ? left.WallMs <= right.WallMs : left.CompareTo(right) <= 0;

    /// <summary>Stamp order.</summary>
    public static bool operator >=(Hlc left, Hlc right) => left.WallMs != right.WallMs ? left.WallMs >= right.WallMs : left.CompareTo(right) >= 0;
}
