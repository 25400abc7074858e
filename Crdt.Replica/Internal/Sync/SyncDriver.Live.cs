using Crdt.Replica.Internal.Transport;

namespace Crdt.Replica.Internal.Sync;

/// <summary>
/// Live sync: a background loop that pushes edits as they are saved, pulls, then holds the live
/// stream open and applies ops as they land, backing off while the relay is unreachable.
/// </summary>
internal sealed partial class SyncDriver
{
    // Set for the live loop's own async flow: events it raises are marked as raised by the loop.
    private static readonly AsyncLocal<SyncDriver?> LiveLoopRunning = new();
    private readonly object _liveLock = new();
    private CancellationTokenSource? _liveStop;
    private CancellationTokenSource _wake = new();
    private Task? _liveLoop;
    // The thread now running an event handler that the live loop raised (0: none). Handlers run
    // synchronously on the loop, and so does an await continuation that a handler's
    // TaskCompletionSource resumes inline: waiting for the loop from there waits for itself.
    private int _threadRaisingForLoop;

    /// <summary>How long <see cref="StopLiveSync"/> waits for the loop to end.</summary>
    public TimeSpan LiveStopWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Starts the background loop (see <see cref="DeviceReplica.StartLiveSync"/>); a second call does nothing.</summary>
    public void StartLiveSync()
    {
        lock (_liveLock)
        {
            if (_liveLoop is not null)
            {
                return;
            }
            _machine.Live = true;
            _liveStop = new CancellationTokenSource();
            var token = _liveStop.Token;
            _liveLoop = Task.Run(() => LiveLoopAsync(token));
        }
    }

    /// <summary>Stops the loop and waits for it to end, unless called from a handler the loop raised (see <see cref="DeviceReplica.StopLiveSync"/>).</summary>
    public void StopLiveSync()
    {
        Task? loop;
        lock (_liveLock)
        {
            loop = _liveLoop;
            _liveStop?.Cancel();
            _liveLoop = null;
            _machine.Live = false;
        }
        if (Volatile.Read(ref _threadRaisingForLoop) == Environment.CurrentManagedThreadId)
        {
            // Waiting here would block the loop on itself for the whole LiveStopWait.
            return;
        }
        try
        {
            loop?.Wait(LiveStopWait);
        }
        catch (AggregateException)
        {
            // The loop ends by cancellation; its errors were already reported through events.
        }
    }

    /// <summary>Interrupts a wait or a live stream so the loop looks at the state again.</summary>
    public void Wake()
    {
        lock (_liveLock)
        {
            _wake.Cancel();
        }
    }

    private CancellationToken NextWakeToken()
    {
        lock (_liveLock)
        {
            if (_wake.IsCancellationRequested)
            {
                _wake.Dispose();
                _wake = new CancellationTokenSource();
            }
            return _wake.Token;
        }
    }

    private async Task LiveLoopAsync(CancellationToken stop)
    {
        LiveLoopRunning.Value = this;
        IRelayConnection? connection = null;
        string? connectedAs = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var woken = NextWakeToken();
                using var both = CancellationTokenSource.CreateLinkedTokenSource(stop, woken);
                var credentials = _replica.SignedInCredentials();
                if (credentials?.UserName != connectedAs)
                {
                    connection?.Dispose();
                    connection = credentials is null ? null : _replica.Connect(credentials);
                    connectedAs = credentials?.UserName;
                }
                var pending = credentials is null ? 0 : _replica.PendingOf(credentials.UserName);
                var step = _machine.Next(_options.TimeProvider.GetUtcNow(), credentials?.UserName, pending);
                try
                {
                    switch (step)
                    {
                        case SyncStep.Idle:
                            await Task.Delay(Timeout.Infinite, both.Token).ConfigureAwait(false);
                            break;
                        case SyncStep.Wait wait:
                            var delay = wait.RetryAt - _options.TimeProvider.GetUtcNow();
                            await Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, _options.TimeProvider, both.Token).ConfigureAwait(false);
                            break;
                        case SyncStep.Listen:
                            _replica.StartAttachmentUploads();
                            await ListenAsync(connection!, credentials!.UserName, both.Token).ConfigureAwait(false);
                            break;
                        default:
                            await RunStepAsync(step, connection!, credentials!.UserName, both.Token).ConfigureAwait(false);
                            break;
                    }
                }
                catch (OperationCanceledException) when (both.IsCancellationRequested)
                {
                    // Woken (an edit, a switch) or stopped: look at the state again.
                }
                catch (ReplicaSyncException ex)
                {
                    // Refused by the relay: treat like an outage so the loop does not spin.
                    _machine.OnUnreachable(_options.TimeProvider.GetUtcNow(), _options.Random(), ex.Message);
                }
            }
        }
        catch (ObjectDisposedException) when (stop.IsCancellationRequested)
        {
            // Disposed from a handler the loop raised: the replica is closed, nothing more to do.
        }
        finally
        {
            connection?.Dispose();
        }
    }

    /// <summary>Invokes a replica's event handler, marking this thread as running it for the live loop when the loop raised it.</summary>
    public void InvokeHandler<T>(EventHandler<T> handler, T args)
    {
        if (LiveLoopRunning.Value != this)
        {
            handler(_replica, args);
            return;
        }
        var outer = Interlocked.Exchange(ref _threadRaisingForLoop, Environment.CurrentManagedThreadId);
        try
        {
            handler(_replica, args);
        }
        finally
        {
            Volatile.Write(ref _threadRaisingForLoop, outer);
        }
    }

    /// <summary>
    /// Holds the live stream; every checkpoint commits what came before it. The stream ends after
    /// <see cref="ReplicaOptions.LiveRenewEvery"/> like a stream the relay ended: the loop pulls and
    /// listens again, which acknowledges what the replica holds now.
    /// </summary>
    private async Task ListenAsync(IRelayConnection connection, string user, CancellationToken cancellationToken)
    {
        var before = _machine.Connectivity;
        using var renew = new CancellationTokenSource(_options.LiveRenewEvery, _options.TimeProvider);
        using var listening = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, renew.Token);
        try
        {
            // What this replica has made so far: the relay counts the new stream as an acknowledgement once it holds all of it.
            var (cursor, madeThrough) = _replica.PullPosition(user);
            var batch = new ReceivedBatch();
            await foreach (var item in connection.SubscribeAsync(cursor, _replica.Id.Value, (ulong)madeThrough, listening.Token).ConfigureAwait(false))
            {
                if (batch.Add(item) is { } checkpoint)
                {
                    var received = batch;
                    await _replica.ApplyReceivedAsync(batch, user, checkpoint.Cursor, cancellationToken, committed: () =>
                    {
                        _machine.OnLiveOps(received.Items, received.Bytes, _replica.PendingCount);
                        RaiseConnectivity(before, null);
                        before = _machine.Connectivity;
                    }).ConfigureAwait(false);
                    _replica.RaiseSyncProgress(_machine.Progress);
                    if (checkpoint.Stable is { } stable)
                    {
                        await _replica.OnStableHorizonAsync(stable, cancellationToken).ConfigureAwait(false);
                    }
                    batch = new ReceivedBatch();
                }
            }
            _machine.OnLiveEnded();
        }
        catch (OperationCanceledException) when (renew.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _machine.OnLiveEnded();
        }
        catch (RelayUnreachableException) when (renew.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The renewal cancelled the call (reported as a broken stream): not an outage.
            _machine.OnLiveEnded();
        }
        catch (RelayUnreachableException ex)
        {
            _machine.OnUnreachable(_options.TimeProvider.GetUtcNow(), _options.Random(), ex.Message);
            RaiseConnectivity(before, ex.Message);
        }
        catch (RelayRefusedException ex) when (ex.CredentialsRejected)
        {
            _machine.OnCredentialsRejected(ex.Message);
        }
    }
}
