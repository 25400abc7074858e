using Crdt.Replica.Internal.Sync;
using Crdt.Replica.Internal.Transport;

namespace Crdt.Replica;

public sealed partial class Replica
{
    // Set for the live loop's own async flow: events it raises are marked as raised by the loop.
    private static readonly AsyncLocal<Replica?> LiveLoopRunning = new();
    private readonly object liveLock = new();
    private CancellationTokenSource? liveStop;
    private CancellationTokenSource wake = new();
    private Task? liveLoop;
    // The thread now running an event handler that the live loop raised (0: none). Handlers run
    // synchronously on the loop, and so does an await continuation that a handler's
    // TaskCompletionSource resumes inline: waiting for the loop from there waits for itself.
    private int threadRaisingForLoop;

    /// <summary>How long <see cref="StopLiveSync"/> waits for the loop to end.</summary>
    internal TimeSpan LiveStopWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Starts syncing in the background: pushes edits as they are saved, pulls, then holds the
    /// live stream open and applies ops as they land. While the relay is unreachable it retries
    /// with exponential backoff and jitter; it stops sending while WorkOffline is on.
    /// </summary>
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

    /// <summary>
    /// Stops background sync and waits for the loop to end. Called from a handler of an event
    /// that live sync raised (which runs on the loop), it cannot wait for the loop: it stops it,
    /// and the loop ends once it has raised the rest of that delivery's events.
    /// </summary>
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
    private void WakeLiveSync()
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
                var credentials = Locked(CurrentCredentials);
                if (credentials?.UserName != connectedAs)
                {
                    connection?.Dispose();
                    connection = credentials is null ? null : ConnectionFactory(credentials.RelayUrl, credentials.Token);
                    connectedAs = credentials?.UserName;
                }
                var pending = credentials is null ? 0 : Locked(() => store.PendingCount(credentials.UserName));
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
                            StartAttachmentUploads();
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

    /// <summary>Invokes a handler, marking this thread as running it for the live loop when the loop raised it.</summary>
    private void InvokeHandler<T>(EventHandler<T> handler, T args)
    {
        if (LiveLoopRunning.Value != this)
        {
            handler(this, args);
            return;
        }
        var outer = Interlocked.Exchange(ref threadRaisingForLoop, Environment.CurrentManagedThreadId);
        try
        {
            handler(this, args);
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
            var cursor = Locked(() => store.GetCursor(user));
            var batch = new ReceivedBatch();
            await foreach (var item in connection.SubscribeAsync(cursor, cancellationToken).ConfigureAwait(false))
            {
                if (batch.Add(item) is { } checkpoint)
                {
                    var received = batch;
                    await ApplyReceivedAsync(batch, user, checkpoint.Cursor, cancellationToken, committed: () =>
                    {
                        machine.OnLiveOps(received.Items, received.Bytes, PendingCount);
                        RaiseConnectivity(before, null);
                        before = machine.Connectivity;
                    }).ConfigureAwait(false);
                    Raise(SyncProgressChanged, machine.Progress);
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
