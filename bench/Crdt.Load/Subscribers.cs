namespace Crdt.Load;

/// <summary>What one live subscriber received: each op's arrival by dot and each checkpoint's by cursor
/// (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
internal sealed record SubscriberArrivals(
    IReadOnlyDictionary<(string Replica, ulong Seq), long> Ops,
    IReadOnlyDictionary<ulong, long> Checkpoints);

/// <summary>
/// The dispatcher devices holding live Subscribe streams during a load run, wherever they run:
/// in a process of their own (<see cref="SubscriberProcess"/>, the default) or among the simulated
/// technicians in the harness's process (<see cref="InProcessSubscribers"/>, <c>--subscribers-in-process</c>).
/// </summary>
internal interface ISubscribers : IAsyncDisposable
{
    /// <summary>Waits until every subscriber has received <paramref name="count"/> distinct ops (throws after
    /// <paramref name="timeout"/>); returns the bytes their connections have carried so far.</summary>
    Task<long> AllArrivedAsync(int count, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Ends the streams, checks every op item received (each decodes to the op it was timed as, none
    /// arrived twice on one subscription) and returns what each subscriber received.</summary>
    Task<IReadOnlyList<SubscriberArrivals>> StopAsync(CancellationToken cancellationToken);

    /// <summary>CPU seconds the subscribers used that the harness's own process time does not count.</summary>
    double SeparateCpuSeconds();
}
