using Crdt.Core;
using Crdt.Replica.Internal.Storage;
using Crdt.Replica.Internal.Sync;
using Crdt.Replica.Internal.Transport;
using Wire = Crdt.Core.Wire;

namespace Crdt.Replica;

/// <summary>
/// What the sync driver (<see cref="SyncDriver"/>) asks of the replica: the outbox and the cursor
/// under the replica's lock, taking in what arrived (the trust boundary), and raising events.
/// </summary>
public sealed partial class DeviceReplica
{
    internal StoredCredentials? SignedInCredentials() => Locked(CurrentCredentials);

    internal long PendingOf(string user) => Locked(() => _store.PendingCount(user));

    /// <summary>The next push batch of <paramref name="user"/>'s outbox (after <paramref name="after"/> when given).</summary>
    internal IReadOnlyList<StoredOp> OutboxBatch(string user, (string Replica, long Seq)? after = null) =>
        Locked(() => _store.OutboxBatch(user, _options.PushBatchOps, _options.PushBatchBytes, after));

    /// <summary>Takes ops the relay stored out of the outbox; returns the documents dropped with them and what is still pending.</summary>
    internal (IReadOnlyList<(string Collection, string DocId)> Dropped, long Pending) Acknowledge(IReadOnlyList<StoredOp> batch, string user) => Locked(() =>
    {
        var dropped = _store.Acknowledge(batch);
        if (dropped.Count > 0)
        {
            ResetMemory();
        }
        return (dropped, _store.PendingCount(user));
    });

    /// <summary>Where the next pull starts and the highest sequence made here (what the relay counts as acknowledged).</summary>
    internal (ulong Cursor, long MadeThrough) PullPosition(string user) => Locked(() => (_store.GetCursor(user), _editor.NextSequence - 1));

    internal IReadOnlyList<(string Collection, string DocId)> UnsentPins() => Locked(() => _store.Pinned(unsentOnly: true));

    internal void MarkPinsSent(IReadOnlyList<(string Collection, string DocId)> sent) => Locked(() =>
    {
        _store.MarkPinsSent(sent);
        return true;
    });

    /// <summary>Moves an op the relay refused for good from the outbox to the refused list; returns it and what is still pending.</summary>
    internal (RefusedEdit Edit, long Pending) MoveToRefused(StoredOp op, string status, string reason) => Locked(() =>
    {
        _store.MoveToRefused(op, status, reason, WallMs);
        var stored = _store.Refusals().First(r => r.Replica == op.Replica && r.Seq == op.Seq);
        return (ToRefusedEdit(stored), _store.PendingCount(stored.UserName));
    });

    internal void RaiseDocumentsChanged(IReadOnlyList<DocumentKey> documents, bool fromRelay) =>
        Raise(DocumentsChanged, new DocumentsChangedEventArgs(documents, fromRelay));

    internal void RaiseConnectivityChanged(ConnectivityChangedEventArgs args) => Raise(ConnectivityChanged, args);

    internal void RaiseSyncProgress(SyncProgress progress) => Raise(SyncProgressChanged, progress);

    internal void RaiseEditsRefused(RefusedEdit refused) => Raise(EditsRefused, new EditsRefusedEventArgs([refused]));
    /// <summary>
    /// Applies what arrived up to one checkpoint and persists it with the new cursor in one
    /// transaction. The ops are decoded here (the trust boundary): one invalid op refuses the
    /// whole batch and nothing of it is kept. A device-to-device exchange has no relay cursor
    /// (<paramref name="user"/> and <paramref name="cursor"/> null). <paramref name="committed"/> runs once
    /// the batch is durable and before any event is raised, so a handler of DocumentsChanged already
    /// sees the sync state (Online, progress) that this delivery proves.
    /// </summary>
    internal async Task ApplyReceivedAsync(ReceivedBatch batch, string? user, ulong? cursor, CancellationToken cancellationToken,
        string sender = "the relay", Action? committed = null)
    {
        var (touched, newFlags) = await LockedAsync(() =>
        {
            var touched = new HashSet<DocumentKey>();
            var keys = batch.Keys();
            foreach (var key in keys)
            {
                _memory.Load(key);
            }
            var before = FlagIds(keys);
            var rowsBefore = keys.Distinct().ToDictionary(key => key, _memory.FlagRowsOf);
            var stored = new List<StoredOp>();
            try
            {
                var wall = WallMs;
                foreach (var snapshot in batch.Snapshots)
                {
                    if (Wire.CoreMessages.MergeSnapshot(_memory.Set, snapshot))
                    {
                        touched.Add(new DocumentKey(snapshot.Collection, snapshot.Id));
                    }
                }
                foreach (var (message, received) in batch.Ops)
                {
                    if (message.Dot?.Replica == Id.Value && _store.HasOp(Id.Value, (long)message.Dot.Seq))
                    {
                        // Our own op coming back from the relay: already applied and stored here.
                        continue;
                    }
                    var op = Wire.CoreMessages.ToOp(message);
                    if (_editor.ApplyRemote(op, wall))
                    {
                        touched.Add(op.Document);
                        // Stored as the bytes that arrived (the relay's stored form): one byte form per op.
                        stored.Add(new StoredOp(op.Dot.Replica.Value, op.Dot.Seq, op.Document.Collection, op.Document.Id, received ?? OpCodec.Encode(op)));
                    }
                }
                var changes = touched.Select(key => _memory.Materialise(key, rowsBefore.GetValueOrDefault(key))).ToList();
                var dropped = _store.CommitReceived(stored, changes, user, cursor, batch.LeftScope);
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
}
