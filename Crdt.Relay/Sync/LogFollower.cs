using System.Collections.Concurrent;
using System.Threading.Channels;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Sync;

/// <summary>
/// Keeps this relay's loaded tenants up with ops other relay processes append to the shared store:
/// the store's wake-ups (LISTEN/NOTIFY on PostgreSQL) say which tenant moved, and a sweep of every
/// loaded tenant each <see cref="SweepEvery"/> covers wake-ups lost while the database was away.
/// The data itself always comes from the log (<see cref="RelayEngine.CatchUpAsync"/>).
/// </summary>
internal sealed class LogFollower : IAsyncDisposable
{
    /// <summary>The longest a lost wake-up delays an op from another node.</summary>
    public static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(1);

    private readonly RelayEngine _engine;
    private readonly CancellationTokenSource _stop;
    private readonly ConcurrentDictionary<string, bool> _woken = new(StringComparer.Ordinal);
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Task _listener;
    private readonly Task _worker;
    private volatile bool _everything;
    private bool _failing;

    public LogFollower(RelayEngine engine, ISharedRelayStore store, CancellationToken shutdown)
    {
        _engine = engine;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        _listener = Task.Run(() => store.ListenForAppendsAsync(Wake, _stop.Token));
        _worker = Task.Run(RunAsync);
    }

    private void Wake(string? tenant)
    {
        if (tenant is null)
        {
            _everything = true;
        }
        else
        {
            _woken[tenant] = true;
        }

        _signal.Writer.TryWrite(true);
    }

    private async Task RunAsync()
    {
        var nextSweep = DateTime.UtcNow + SweepEvery;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var wait = nextSweep - DateTime.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    timeout.CancelAfter(wait);
                    try
                    {
                        await _signal.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                    {
                    }
                }
                var sweep = DateTime.UtcNow >= nextSweep || _everything;
                if (sweep)
                {
                    _everything = false;
                    nextSweep = DateTime.UtcNow + SweepEvery;
                }
                var loaded = _engine.LoadedTenants.ToHashSet(StringComparer.Ordinal);
                var due = sweep ? loaded : _woken.Keys.Where(loaded.Contains).ToHashSet(StringComparer.Ordinal);
                foreach (var name in due)
                {
                    _woken.TryRemove(name, out _);
                    var tenant = await _engine.TenantAsync(name, _stop.Token).ConfigureAwait(false);
                    await _engine.CatchUpAsync(tenant, _stop.Token).ConfigureAwait(false);
                }
                if (due.Count == 0)
                {
                    // Nothing was read: that says nothing about whether following works again.
                    continue;
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (StoreUnavailableException)
            {
                // The database is away (the health check says so in the log): the next sweep tries
                // again, and nothing is lost because the log is the source.
                await Task.Delay(200, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Anything else would leave this node behind the shared log with nothing said: log the
                // first failure of a run (not one line every 200 ms), then retry like above.
                if (!_failing)
                {
                    _failing = true;
                    _engine.Log.FollowingFailed(e, e.Message);
                }
                await Task.Delay(200, CancellationToken.None).ConfigureAwait(false);
                continue;
            }
            _failing = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_listener, _worker).ConfigureAwait(false);
        _stop.Dispose();
    }
}
