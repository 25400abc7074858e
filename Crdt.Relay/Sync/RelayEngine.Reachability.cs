using Crdt.Relay.Storage;

namespace Crdt.Relay.Sync;

/// <summary>
/// Whether the shared database (PostgreSQL) can be reached now. While it cannot, calls fail
/// UNAVAILABLE (<see cref="StorageFault"/>) and health says NOT_SERVING, so a load balancer sends
/// devices to a node that can serve them; once it is back, SERVING again. A probe (one tiny read
/// each <see cref="DatabaseProbeEvery"/>) notices both ways with no call in flight; a call that
/// finds the database away says so at once. A SQLite relay has no database to lose: no probe.
/// </summary>
internal sealed partial class RelayEngine
{
    /// <summary>How often the probe reads: how late health may turn after the database went or came back.</summary>
    internal static readonly TimeSpan DatabaseProbeEvery = TimeSpan.FromMilliseconds(500);

    /// <summary>A probe that gets no answer in this long counts as the database being away (a hung server, a silent network).</summary>
    private static readonly TimeSpan DatabaseProbeTimeout = TimeSpan.FromSeconds(3);

    private readonly object _reachabilityLock = new();
    private string? _databaseAway;
    private Task? _databaseProbe;

    /// <summary>False while the shared database cannot be reached (health NOT_SERVING).</summary>
    public bool DatabaseReachable
    {
        get
        {
            lock (_reachabilityLock)
            {
                return _databaseAway is null;
            }
        }
    }

    /// <summary>Starts the probe when the store is a shared database (from <see cref="OpenAsync"/>).</summary>
    private void WatchDatabase()
    {
        if (Store is ISharedRelayStore)
        {
            var stop = _shutdown.Token;
            _databaseProbe = Task.Run(() => ProbeDatabaseAsync(stop));
        }
    }

    private Task StopWatchingDatabaseAsync() => _databaseProbe ?? Task.CompletedTask;

    private async Task ProbeDatabaseAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(DatabaseProbeEvery, stop).ConfigureAwait(false);
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop);
                limit.CancelAfter(DatabaseProbeTimeout);
                try
                {
                    await Store.GetDeviceEpochAsync(limit.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    throw new StoreUnavailableException($"the database did not answer within {DatabaseProbeTimeout.TotalSeconds:0} s");
                }
                SetDatabaseAway(null);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                SetDatabaseAway(e is StoreUnavailableException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            }
            catch (Exception)
            {
                return; // the store is being closed under the probe at shutdown
            }
        }
    }

    /// <summary>Records that the database is away (<paramref name="problem"/>) or back (null); health follows a change.</summary>
    private void SetDatabaseAway(string? problem)
    {
        lock (_reachabilityLock)
        {
            if ((_databaseAway is null) == (problem is null))
            {
                return;
            }
            _databaseAway = problem;
        }
        if (problem is null)
        {
            Log.DatabaseBack();
        }
        else
        {
            Log.DatabaseAway(problem);
        }
        HealthChanged?.Invoke();
    }
}
