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
    private readonly object liveLock = new();
    private CancellationTokenSource? liveStop;
    private CancellationTokenSource wake = new();
    private Task? liveLoop;
    // The thread now running an event handler that the live loop raised (0: none). Handlers run
    // synchronously on the loop, and so does an await continuation that a handler's
    // TaskCompletionSource resumes inline: waiting for the loop from there waits for itself.
    private int threadRaisingForLoop;

    /// <summary>How long <see cref="StopLiveSync"/> waits for the loop to end.</summary>
    public TimeSpan LiveStopWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Starts the background loop (see <see cref="DeviceReplica.StartLiveSync"/>); a second call does nothing.</summary>
    public void StartLiveSync()
    {
        lock (liveLock)
        {
            if (liveLoop is not null)
            {
                return;
            }
            machine.Live = true;
            liveStop = new CancellationTokenSource();
            var token = liveStop.Token;
            liveLoop = Task.Run(() => LiveLoopAsync(token));
        }
    }

    /// <summary>Stops the loop and waits for it to end, unless called from a handler the loop raised (see <see cref="DeviceReplica.StopLiveSync"/>).</summary>
    public void StopLiveSync()
    {
        Task? loop;
        lock (liveLock)
        {
            loop = liveLoop;
            liveStop?.Cancel();
            liveLoop = null;
            machine.Live = false;
        }
        if (Volatile.Read(ref threadRaisingForLoop) == Environment.CurrentManagedThreadId)
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
        lock (liveLock)
        {
            wake.Cancel();
        }
    }

    private CancellationToken NextWakeToken()
    {
        lock (liveLock)
        {
            if (wake.IsCancellationRequested)
            {
                wake.Dispose();
                wake = new CancellationTokenSource();
            }
            return wake.Token;
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
                var credentials = replica.SignedInCredentials();
                if (credentials?.UserName != connectedAs)
                {
                    connection?.Dispose();
                    connection = credentials is null ? null : replica.ConnectionFactory(credentials.RelayUrl, credentials.Token);
                    connectedAs = credentials?.UserName;
                }
                var pending = credentials is null ? 0 : replica.PendingOf(credentials.UserName);
                var step = machine.Next(options.TimeProvider.GetUtcNow(), credentials?.UserName, pending);
                try
                {
                    switch (step)
                    {
                        case SyncStep.Idle:
                            await Task.Delay(Timeout.Infinite, both.Token).ConfigureAwait(false);
                            break;
                        case SyncStep.Wait wait:
                            var delay = wait.RetryAt - options.TimeProvider.GetUtcNow();
                            await Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, options.TimeProvider, both.Token).ConfigureAwait(false);
                            break;
                        case SyncStep.Listen:
                            replica.StartAttachmentUploads();
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
                    machine.OnUnreachable(options.TimeProvider.GetUtcNow(), options.Random(), ex.Message);
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
            handler(replica, args);
            return;
        }
        var outer = Interlocked.Exchange(ref threadRaisingForLoop, Environment.CurrentManagedThreadId);
        try
        {
            handler(replica, args);
        }
        finally
        {
            Volatile.Write(ref threadRaisingForLoop, outer);
        }
    }

    /// <summary>Holds the live stream; every checkpoint commits what came before it.</summary>
    private async Task ListenAsync(IRelayConnection connection, string user, CancellationToken cancellationToken)
    {
        var before = machine.Connectivity;
        try
        {
            var cursor = replica.PullPosition(user).Cursor;
            var batch = new ReceivedBatch();
            await foreach (var item in connection.SubscribeAsync(cursor, cancellationToken).ConfigureAwait(false))
            {
                if (batch.Add(item) is { } checkpoint)
                {
                    var received = batch;
                    await replica.ApplyReceivedAsync(batch, user, checkpoint.Cursor, cancellationToken, committed: () =>
                    {
                        machine.OnLiveOps(received.Items, received.Bytes, replica.PendingCount);
                        RaiseConnectivity(before, null);
                        before = machine.Connectivity;
                    }).ConfigureAwait(false);
                    replica.RaiseSyncProgress(machine.Progress);
                    batch = new ReceivedBatch();
                }
            }
            machine.OnLiveEnded();
        }
        catch (RelayUnreachableException ex)
        {
            machine.OnUnreachable(options.TimeProvider.GetUtcNow(), options.Random(), ex.Message);
            RaiseConnectivity(before, ex.Message);
        }
        catch (RelayRefusedException ex) when (ex.CredentialsRejected)
        {
            machine.OnCredentialsRejected(ex.Message);
        }
    }
}
