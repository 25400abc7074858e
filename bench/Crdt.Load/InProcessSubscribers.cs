namespace Crdt.Load;

/// <summary>
/// The live subscribers on the harness's own thread pool, beside the simulated technicians: the
/// harness before the subscribers got their own process, kept to compare with it. A frame that
/// reaches the harness here can wait behind the devices' work before a subscriber reads and times it.
/// </summary>
internal sealed class InProcessSubscribers : ISubscribers
{
    private readonly List<LiveSubscriber> _subscribers;
    private readonly WireBytes _wire = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _runs;

    private InProcessSubscribers(Uri relay, IEnumerable<string> tokens)
    {
        _subscribers = tokens.Select(t => new LiveSubscriber(t, relay, _wire)).ToList();
        _runs = _subscribers.Select(s => s.RunAsync(0, _stop.Token)).ToList();
    }

    public static async Task<InProcessSubscribers> StartAsync(Uri relay, IEnumerable<string> tokens, CancellationToken cancellationToken)
    {
        var subscribers = new InProcessSubscribers(relay, tokens);
        await Task.WhenAll(subscribers._subscribers.Select(s => s.Ready)).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        return subscribers;
    }

    public async Task<long> AllArrivedAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await LiveSubscriber.AllArrivedAsync(_subscribers, count, timeout, cancellationToken).ConfigureAwait(false);
        return _wire.Total;
    }

    public async Task<IReadOnlyList<SubscriberArrivals>> StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_runs).ConfigureAwait(false);
        foreach (var subscriber in _subscribers) subscriber.VerifyDeliveries();
        return _subscribers.Select(s => new SubscriberArrivals(s.ArrivedAt, s.CheckpointAt)).ToList();
    }

    public double SeparateCpuSeconds() => 0;

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(_runs).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Disposed after a failed run: the failure was reported already.
            }
        }
        foreach (var subscriber in _subscribers) subscriber.Dispose();
        _stop.Dispose();
    }
}
