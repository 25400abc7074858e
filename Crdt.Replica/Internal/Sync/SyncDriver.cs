using Crdt.Core;
using Crdt.Replica.Internal.Storage;
using Crdt.Replica.Internal.Transport;
using Wire = Crdt.Core.Wire;

namespace Crdt.Replica.Internal.Sync;

/// <summary>
/// The sync driver behind <see cref="DeviceReplica"/>: it asks the <see cref="SyncMachine"/> for
/// the next step and does it against the relay (push the outbox, pull to the latest checkpoint,
/// send pins), then tells the machine what happened. It only moves bytes: reading the outbox,
/// applying what arrived and raising events are the replica's, reached through its internal
/// members. Rounds on demand here; the background loop in SyncDriver.Live.cs; narrowing a
/// refused batch down to its op in SyncDriver.Refused.cs.
/// </summary>
internal sealed partial class SyncDriver
{
    private readonly DeviceReplica _replica;
    private readonly ReplicaOptions _options;
    private readonly SyncMachine _machine;
    private readonly SemaphoreSlim _syncGate = new(1, 1);

    public SyncDriver(DeviceReplica replica, ReplicaOptions options, bool workOffline)
    {
        _replica = replica;
        _options = options;
        _machine = new SyncMachine(Backoff.Default, workOffline, live: false);
    }

    public ConnectivityState Connectivity => _machine.Connectivity;

    public bool WorkOffline => _machine.WorkOffline;

    public SyncProgress Progress => _machine.Progress;

    public string? LastError => _machine.LastError;

    /// <summary>Asks for a full round now (a sign-in, a refused edit retried or discarded); <see cref="Wake"/> starts it when live.</summary>
    public void RequestSync() => _machine.RequestSync();

    /// <summary>A local edit was saved (<paramref name="pending"/> edits now wait); <see cref="Wake"/> sends it when live.</summary>
    public void OnLocalEdit(long pending) => _machine.OnLocalEdit(pending);

    /// <summary>Switches WorkOffline (already remembered in the file by the replica) and wakes the live loop.</summary>
    public void SetWorkOffline(bool on)
    {
        var before = _machine.Connectivity;
        _machine.SetWorkOffline(on);
        RaiseConnectivity(before, on ? "work offline switched on" : "work offline switched off");
        Wake();
    }

    /// <summary>One full sync round (see <see cref="DeviceReplica.SyncAsync"/>).</summary>
    public async Task<SyncProgress> SyncAsync(IProgress<SyncProgress>? progress, CancellationToken cancellationToken, bool uploadAttachments = true)
    {
        await _syncGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var start = _machine.Progress;
            if (_machine.WorkOffline)
            {
                return SyncProgress.None with { Pending = _replica.PendingCount };
            }
            var credentials = _replica.SignedInCredentials() ?? throw new InvalidOperationException("nobody is signed in on this device: sign in first");
            _machine.RequestSync();
            using var connection = _replica.Connect(credentials);
            while (true)
            {
                var pending = _replica.PendingOf(credentials.UserName);
                switch (_machine.Next(_options.TimeProvider.GetUtcNow(), credentials.UserName, pending))
                {
                    case SyncStep.Wait:
                        throw new ReplicaSyncException($"{RelayAddresses.Describe(credentials.RelayUrl)} is unreachable: {_machine.LastError}", pending, unreachable: true);
                    case SyncStep.Idle idle when _machine.CredentialsRejected:
                        throw new ReplicaSyncException(idle.Reason + KeptOnDevice(pending), pending, unreachable: false);
                    case SyncStep.Idle or SyncStep.Listen:
                        // Photos travel after the ops that name them: the relay takes bytes only for an element it holds.
                        if (uploadAttachments)
                        {
                            await _replica.UploadAttachmentsAfterSyncAsync(cancellationToken).ConfigureAwait(false);
                        }

                        return Delta(start, _machine.Progress);
                    case var step:
                        await RunStepAsync(step, connection, credentials.UserName, cancellationToken).ConfigureAwait(false);
                        progress?.Report(Delta(start, _machine.Progress));
                        break;
                }
            }
        }
        finally
        {
            _syncGate.Release();
        }
    }

    /// <summary>Tells the relay which documents the user pinned (not work orders: they follow assignment there).</summary>
    public async Task SendPinsAsync(CancellationToken cancellationToken)
    {
        if (_machine.WorkOffline || _replica.SignedInCredentials() is not { } credentials)
        {
            return;
        }
        var unsent = _replica.UnsentPins().Where(pin => pin.Collection != WorkOrderFields.Collection).ToList();
        if (unsent.Count == 0)
        {
            return;
        }
        using var connection = _replica.Connect(credentials);
        var sent = new List<(string, string)>();
        foreach (var (collection, id) in unsent)
        {
            try
            {
                var pinned = await connection.PinAsync(new Wire.PinRequest { Document = new Wire.DocumentKey { Collection = collection, Id = id }, Pinned = true }, cancellationToken).ConfigureAwait(false);
                if (pinned.Document is { } snapshot)
                {
                    // The relay sends a pinned document whole only here: a pull from a cursor at or after
                    // the pin does not send it again, so dropping this reply lost the document for good
                    // when the pin was made with nothing new in the log (found by the simulation).
                    var received = new ReceivedBatch();
                    received.Add(new Wire.PullResponse { Document = snapshot });
                    await _replica.ApplyReceivedAsync(received, null, null, cancellationToken).ConfigureAwait(false);
                }
                sent.Add((collection, id));
            }
            catch (RelayRefusedException) when (!cancellationToken.IsCancellationRequested)
            {
                // Not pinnable there (e.g. outside the tenant): it stays a local pin only.
                sent.Add((collection, id));
            }
            catch (RelayUnreachableException)
            {
                break;
            }
        }
        _replica.MarkPinsSent(sent);
    }

    /// <summary>Does one push or pull step and feeds the outcome to the state machine.</summary>
    private async Task RunStepAsync(SyncStep step, IRelayConnection connection, string user, CancellationToken cancellationToken)
    {
        var before = _machine.Connectivity;
        try
        {
            switch (step)
            {
                case SyncStep.Push:
                    await PushOnceAsync(connection, user, cancellationToken).ConfigureAwait(false);
                    break;
                case SyncStep.Pull:
                    await PullOnceAsync(connection, user, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        catch (RelayUnreachableException ex)
        {
            _machine.OnUnreachable(_options.TimeProvider.GetUtcNow(), _options.Random(), ex.Message);
        }
        catch (RelayRefusedException ex) when (ex.CredentialsRejected)
        {
            _machine.OnCredentialsRejected(ex.Message);
        }
        catch (RelayRefusedException ex)
        {
            throw new ReplicaSyncException(ex.Message, _replica.PendingCount, unreachable: false, ex);
        }
        finally
        {
            RaiseConnectivity(before, _machine.LastError);
            _replica.RaiseSyncProgress(_machine.Progress);
        }
    }

    private async Task PushOnceAsync(IRelayConnection connection, string user, CancellationToken cancellationToken)
    {
        // A signature in the batch verifies on the relay only once this device's key is registered.
        await _replica.EnsureSigningKeyRegisteredAsync(connection, user, cancellationToken).ConfigureAwait(false);
        var batch = _replica.OutboxBatch(user);
        try
        {
            await PushBatchAsync(connection, user, batch, cancellationToken).ConfigureAwait(false);
        }
        catch (RelayRefusedException ex) when (ex.RefusedForGood)
        {
            // Sent again as it is, the batch would be refused again and block every later edit.
            await SetAsideRefusedAsync(connection, user, batch, ex, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Pushes ops of the outbox and, once the relay stored them, takes them out of it.</summary>
    private async Task PushBatchAsync(IRelayConnection connection, string user, IReadOnlyList<StoredOp> batch, CancellationToken cancellationToken)
    {
        var request = ToPushRequest(batch, out long bytes);
        await connection.PushAsync(request, cancellationToken).ConfigureAwait(false);
        // Crash here and the batch is pushed again: the relay deduplicates by dot.
        var (dropped, pending) = _replica.Acknowledge(batch, user);
        _machine.OnPushAcknowledged(batch.Count, bytes, pending);
        if (dropped.Count > 0)
        {
            _replica.RaiseDocumentsChanged(dropped.Select(d => new DocumentKey(d.Collection, d.DocId)).ToList(), fromRelay: true);
        }
    }

    /// <summary>The push message for an outbox batch; <paramref name="bytes"/> counts the ops' encoded bytes.</summary>
    internal static Wire.PushRequest ToPushRequest(IReadOnlyList<StoredOp> batch, out long bytes)
    {
        // The outbox rows go out as the bytes OpCodec.Encode made when the edit was made: no
        // decoding and encoding again, so the relay receives exactly what this device stored.
        bytes = batch.Sum(op => (long)op.Bytes.Length);
        return Wire.PushRequest.OfEncodedOps(batch.Select(op => op.Bytes));
    }

    private async Task PullOnceAsync(IRelayConnection connection, string user, CancellationToken cancellationToken)
    {
        // What this replica has made so far: the relay counts the pull as an acknowledgement once it holds all of it.
        var (cursor, madeThrough) = _replica.PullPosition(user);
        var batch = new ReceivedBatch();
        var more = false;
        await foreach (var item in connection.PullAsync(cursor, _options.PullBatchItems, _replica.Id.Value, (ulong)madeThrough, cancellationToken).ConfigureAwait(false))
        {
            if (batch.Add(item) is { } checkpoint)
            {
                var received = batch;
                await _replica.ApplyReceivedAsync(batch, user, checkpoint.Cursor, cancellationToken,
                    committed: () => _machine.OnPulled(received.Items, received.Bytes, checkpoint.More, _replica.PendingCount)).ConfigureAwait(false);
                if (checkpoint.Stable is { } stable)
                {
                    await _replica.OnStableHorizonAsync(stable, cancellationToken).ConfigureAwait(false);
                }
                more = checkpoint.More;
                batch = new ReceivedBatch();
            }
        }
        if (batch.Items > 0)
        {
            // The stream ended without a checkpoint for these: they come again next time.
            throw new RelayUnreachableException("the pull stream ended before its checkpoint", new EndOfStreamException());
        }
        if (!more)
        {
            _machine.OnPulled(0, 0, more: false, _replica.PendingCount);
        }
    }

    /// <summary>For a device whose token was refused (retired, revoked): its edits stay here, and a backup keeps them safe.</summary>
    private static string KeptOnDevice(long pending) => pending == 0 ? "" :
        "; the edits not yet synced stay on this device: export a backup (DeviceReplica.ExportBackupAsync, FieldApp `backup export`) to keep them";

    private void RaiseConnectivity(ConnectivityState before, string? reason)
    {
        if (_machine.Connectivity != before)
        {
            _replica.RaiseConnectivityChanged(new ConnectivityChangedEventArgs(before, _machine.Connectivity, reason));
        }
    }

    private static SyncProgress Delta(SyncProgress start, SyncProgress now) => new(
        now.OpsSent - start.OpsSent, now.BytesSent - start.BytesSent,
        now.OpsReceived - start.OpsReceived, now.BytesReceived - start.BytesReceived, now.Pending);
}
