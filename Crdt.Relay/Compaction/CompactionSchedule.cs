using Crdt.Relay.Sync;

namespace Crdt.Relay.Compaction;

/// <summary>
/// <c>serve --compact-every</c>: compacts every tenant of the running relay once per interval (the first
/// run one interval after start-up), one tenant after the other, each logged with what it did. A failed
/// run (the database away) is logged and tried again at the next interval; nothing is lost meanwhile,
/// the log only stays longer.
/// </summary>
internal sealed class CompactionSchedule : IAsyncDisposable
{
    private readonly RelayEngine _engine;
    private readonly TimeSpan _every;
    private readonly CancellationTokenSource _stop;
    private readonly Task _loop;

    public CompactionSchedule(RelayEngine engine, TimeSpan every, CancellationToken shutdown)
    {
        _engine = engine;
        _every = every;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        _loop = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_every, _engine.Options.Time, _stop.Token).ConfigureAwait(false);
                foreach (var tenant in await _engine.Store.ListTenantsAsync(_stop.Token).ConfigureAwait(false))
                {
                    try
                    {
                        await _engine.CompactAsync(tenant.Name, _stop.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        _engine.Log.CompactionFailed(e, tenant.Name);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _engine.Log.CompactionFailed(e, "*");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
