using Crdt.Core;
using Crdt.Replica.Internal.Storage;
using Crdt.Replica.Internal.Sync;
using Crdt.Replica.Internal.Transport;
using Wire = Crdt.Core.Wire;

namespace Crdt.Replica;

public sealed partial class Replica
{
    private readonly SemaphoreSlim syncGate = new(1, 1);

    /// <summary>Online, Offline, or WorkOffline (the user's switch).</summary>
    public ConnectivityState Connectivity => machine.Connectivity;

    /// <summary>True while the user's WorkOffline switch is on: nothing is sent or received.</summary>
    public bool WorkOffline => machine.WorkOffline;

    /// <summary>Totals since the replica was opened.</summary>
    public SyncProgress Progress => machine.Progress;

    /// <summary>
    /// Switches WorkOffline on or off (remembered in the file). While on, nothing is sent, even
    /// with a network; switching it off syncs at once when live sync runs.
    /// </summary>
    public async Task SetWorkOfflineAsync(bool on, CancellationToken cancellationToken = default)
    {
        await LockedAsync(() =>
        {
            store.SetSetting(SettingKeys.WorkOffline, on ? "true" : null);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        var before = machine.Connectivity;
        machine.SetWorkOffline(on);
        RaiseConnectivity(before, on ? "work offline switched on" : "work offline switched off");
        WakeLiveSync();
    }

    /// <summary>
    /// One full sync round: pushes the signed-in person's outbox in batches, then pulls until the
    /// relay has nothing more. With WorkOffline on it sends nothing and returns at once. Throws
    /// <see cref="ReplicaSyncException"/> when the relay is unreachable or refuses; nothing local
    /// is lost either way. Returns what this call moved and what is still pending.
    /// </summary>
    public async Task<SyncProgress> SyncAsync(IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await syncGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var start = machine.Progress;
            if (machine.WorkOffline)
            {
                return SyncProgress.None with { Pending = PendingCount };
            }
            var credentials = Locked(CurrentCredentials) ?? throw new InvalidOperationException("nobody is signed in on this device: sign in first");
            machine.RequestSync();
            using var connection = ConnectionFactory(credentials.RelayUrl, credentials.Token);
            while (true)
            {
                var pending = Locked(() => store.PendingCount(credentials.UserName));
                switch (machine.Next(options.TimeProvider.GetUtcNow(), credentials.UserName, pending))
                {
                    case SyncStep.Wait:
                        throw new ReplicaSyncException($"the relay at {credentials.RelayUrl} is unreachable: {machine.LastError}", pending, unreachable: true);
                    case SyncStep.Idle idle when machine.CredentialsRejected:
                        throw new ReplicaSyncException(idle.Reason, pending, unreachable: false);
                    case SyncStep.Idle or SyncStep.Listen:
                        await UploadAttachmentsAfterSyncAsync(cancellationToken).ConfigureAwait(false);
                        return Delta(start, machine.Progress);
                    case var step:
                        await RunStepAsync(step, connection, credentials.UserName, cancellationToken).ConfigureAwait(false);
                        progress?.Report(Delta(start, machine.Progress));
                        break;
                }
            }
        }
        finally
        {
            syncGate.Release();
        }
    }

    /// <summary>
    /// Checks out the day's agenda: tells the relay which documents the user pinned, then pulls
    /// everything in this device's scope (assigned orders with their customers and assets, the
    /// parts catalogue, pinned documents), reporting progress as it goes.
    /// </summary>
    public async Task<AgendaSummary> CheckOutAgendaAsync(IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await SendPinsAsync(cancellationToken).ConfigureAwait(false);
        var moved = await SyncAsync(progress, cancellationToken).ConfigureAwait(false);
        await PredownloadAttachmentsAsync(cancellationToken).ConfigureAwait(false);
        return new AgendaSummary(WorkOrders(), DocumentCounts(), moved);
    }

    private async Task SendPinsAsync(CancellationToken cancellationToken)
    {
        if (machine.WorkOffline || Locked(CurrentCredentials) is not { } credentials)
        {
            return;
        }
        // Work orders follow assignment on the relay; only other documents are pinned there.
        var unsent = Locked(() => store.Pinned(unsentOnly: true)).Where(pin => pin.Collection != WorkOrderFields.Collection).ToList();
        if (unsent.Count == 0)
        {
            return;
        }
        using var connection = ConnectionFactory(credentials.RelayUrl, credentials.Token);
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
                    await ApplyReceivedAsync(received, null, null, cancellationToken).ConfigureAwait(false);
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
        Locked(() =>
        {
            store.MarkPinsSent(sent);
            return true;
        });
    }

    /// <summary>Does one push or pull step and feeds the outcome to the state machine.</summary>
    private async Task RunStepAsync(SyncStep step, IRelayConnection connection, string user, CancellationToken cancellationToken)
    {
        var before = machine.Connectivity;
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
            machine.OnUnreachable(options.TimeProvider.GetUtcNow(), options.Random(), ex.Message);
        }
        catch (RelayRefusedException ex) when (ex.CredentialsRejected)
        {
            machine.OnCredentialsRejected(ex.Message);
        }
        catch (RelayRefusedException ex)
        {
            throw new ReplicaSyncException(ex.Message, PendingCount, unreachable: false, ex);
        }
        finally
        {
            RaiseConnectivity(before, machine.LastError);
            Raise(SyncProgressChanged, machine.Progress);
        }
    }

    private async Task PushOnceAsync(IRelayConnection connection, string user, CancellationToken cancellationToken)
    {
        var batch = Locked(() => store.OutboxBatch(user, options.PushBatchOps, options.PushBatchBytes));
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
        var (dropped, pending) = Locked(() =>
        {
            var dropped = store.Acknowledge(batch);
            if (dropped.Count > 0)
            {
                ResetMemory();
            }
            return (dropped, store.PendingCount(user));
        });
        machine.OnPushAcknowledged(batch.Count, bytes, pending);
        if (dropped.Count > 0)
        {
            Raise(DocumentsChanged, new DocumentsChangedEventArgs(dropped.Select(d => new DocumentKey(d.Collection, d.DocId)).ToList(), fromRelay: true));
        }
    }

    /// <summary>The push message for an outbox batch; <paramref name="bytes"/> counts the ops' encoded bytes.</summary>
    private static Wire.PushRequest ToPushRequest(IReadOnlyList<StoredOp> batch, out long bytes)
    {
        // The outbox rows go out as the bytes OpCodec.Encode made when the edit was made: no
        // decoding and encoding again, so the relay receives exactly what this device stored.
        bytes = batch.Sum(op => (long)op.Bytes.Length);
        return Wire.PushRequest.OfEncodedOps(batch.Select(op => op.Bytes));
    }

    private async Task PullOnceAsync(IRelayConnection connection, string user, CancellationToken cancellationToken)
    {
        // What this replica has made so far: the relay counts the pull as an acknowledgement once it holds all of it.
        var (cursor, madeThrough) = Locked(() => (store.GetCursor(user), editor.NextSequence - 1));
        var batch = new ReceivedBatch();
        var more = false;
        await foreach (var item in connection.PullAsync(cursor, options.PullBatchItems, Id.Value, (ulong)madeThrough, cancellationToken).ConfigureAwait(false))
        {
            if (batch.Add(item) is { } checkpoint)
            {
                var received = batch;
                await ApplyReceivedAsync(batch, user, checkpoint.Cursor, cancellationToken,
                    committed: () => machine.OnPulled(received.Items, received.Bytes, checkpoint.More, PendingCount)).ConfigureAwait(false);
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
            machine.OnPulled(0, 0, more: false, PendingCount);
        }
    }

    /// <summary>
    /// Applies what arrived up to one checkpoint and persists it with the new cursor in one
    /// transaction. The ops are decoded here (the trust boundary): one invalid op refuses the
    /// whole batch and nothing of it is kept. A device-to-device exchange has no relay cursor
    /// (<paramref name="user"/> and <paramref name="cursor"/> null). <paramref name="committed"/> runs once
    /// the batch is durable and before any event is raised, so a handler of DocumentsChanged already
    /// sees the sync state (Online, progress) that this delivery proves.
    /// </summary>
    private async Task ApplyReceivedAsync(ReceivedBatch batch, string? user, ulong? cursor, CancellationToken cancellationToken,
        string sender = "the relay", Action? committed = null)
    {
        var (touched, newFlags) = await LockedAsync(() =>
        {
            var touched = new HashSet<DocumentKey>();
            var keys = batch.Keys();
            foreach (var key in keys)
            {
                memory.Load(key);
            }
            var before = FlagIds(keys);
            var rowsBefore = keys.Distinct().ToDictionary(key => key, memory.FlagRowsOf);
            var stored = new List<StoredOp>();
            try
            {
                var wall = WallMs;
                foreach (var snapshot in batch.Snapshots)
                {
                    if (memory.Set.MergeSnapshot(snapshot))
                    {
                        touched.Add(new DocumentKey(snapshot.Collection, snapshot.Id));
                    }
                }
                foreach (var message in batch.Ops)
                {
                    if (message.Dot?.Replica == Id.Value && store.HasOp(Id.Value, (long)message.Dot.Seq))
                    {
                        // Our own op coming back from the relay: already applied and stored here.
                        continue;
                    }
                    var op = OpCodec.FromMessage(message);
                    if (editor.ApplyRemote(op, wall))
                    {
                        touched.Add(op.Document);
                        stored.Add(new StoredOp(op.Dot.Replica.Value, op.Dot.Seq, op.Document.Collection, op.Document.Id, OpCodec.Encode(op)));
                    }
                }
                var changes = touched.Select(key => memory.Materialise(key, rowsBefore.GetValueOrDefault(key))).ToList();
                var dropped = store.CommitReceived(stored, changes, user, cursor, batch.LeftScope);
                foreach (var (collection, id) in dropped)
                {
                    touched.Add(new DocumentKey(collection, id));
                }
                if (dropped.Count > 0)
                {
                    ResetMemory();
                }
            }
            catch (OpDecodeException ex)
            {
                ResetMemory();
                throw new RelayRefusedException($"{sender} sent an invalid op or snapshot, refused whole: {ex.Message}", false, ex);
            }
            catch
            {
                ResetMemory();
                throw;
            }
            return (touched, NewFlags(touched, before));
        }, cancellationToken).ConfigureAwait(false);
        committed?.Invoke();
        if (touched.Count > 0)
        {
            Raise(DocumentsChanged, new DocumentsChangedEventArgs(touched.ToList(), fromRelay: true));
        }
        if (newFlags.Count > 0)
        {
            Raise(FlagsRaised, new FlagsRaisedEventArgs(newFlags));
        }
    }

    private void RaiseConnectivity(ConnectivityState before, string? reason)
    {
        if (machine.Connectivity != before)
        {
            Raise(ConnectivityChanged, new ConnectivityChangedEventArgs(before, machine.Connectivity, reason));
        }
    }

    private static SyncProgress Delta(SyncProgress start, SyncProgress now) => new(
        now.OpsSent - start.OpsSent, now.BytesSent - start.BytesSent,
        now.OpsReceived - start.OpsReceived, now.BytesReceived - start.BytesReceived, now.Pending);
}
