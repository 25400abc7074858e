using Crdt.Core;
using Crdt.Relay.Auth;
using Grpc.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Sync;

/// <summary>
/// Sends a device what its scope holds after a cursor (Pull), then what lands live (Subscribe).
/// Cursor 0 bootstraps from current state: one snapshot per document in scope, taken together
/// with the log head under the tenant's gate, so snapshots and the following ops meet exactly.
/// Later cursors get the ops after them: from the store up to the head seen at the start, then
/// from the tenant's commit chain. A document that enters the technician's scope (assigned to it,
/// referenced by its order, pinned since the cursor) is sent whole as a snapshot, because the
/// device lacks its history; a work order reassigned away is announced with <c>left_scope</c>.
/// Items are held back and sent with the checkpoint that follows them (or every
/// <see cref="FlushEvery"/> items): they are written with <see cref="WriteFlags.BufferHint"/>, so
/// a commit of many ops costs one flush, not one per op. An op goes out as the bytes it was stored
/// as (<see cref="Wire.PullResponse.OfEncodedOp"/>), never decoded and encoded again.
/// </summary>
internal sealed class OpStreamer(RelayEngine engine, CallerIdentity caller, IServerStreamWriter<Wire.PullResponse> output)
{
    private const int DefaultMaxItems = 50_000;
    private const int ReadPage = 2_000;
    // Items held back at most before a flush: bounds what a stream buffers on the relay.
    private const int FlushEvery = 512;
    private static readonly WriteOptions HoldBack = new(WriteFlags.BufferHint);
    private int _unflushed;
    // Documents sent whole, with the version sent: their ops up to it are already in the device.
    private readonly Dictionary<DocumentKey, long> _snapshotSent = [];
    private TenantState _tenant = null!;
    private ScopePolicy _scope = null!;
    private int _items;

    public async Task RunAsync(ulong cursorValue, uint maxItems, bool live, CancellationToken cancellationToken)
    {
        _tenant = await engine.TenantAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
        var pinRecords = caller.SeesWholeTenant
            ? []
            : await engine.Store.ListPinsAsync(caller.Tenant, caller.Name, cancellationToken).ConfigureAwait(false);
        var pins = pinRecords.Select(p => new DocumentKey(p.Document.Collection, p.Document.Id)).ToHashSet();
        _scope = new ScopePolicy(_tenant, pins);
        var limit = live ? int.MaxValue : (int)(maxItems == 0 ? DefaultMaxItems : maxItems);
        var cursor = (long)cursorValue;

        // A cursor from another node (pushed there) may be ahead of what this node has applied yet.
        if (engine.IsShared && cursor > _tenant.Head) await engine.CatchUpAsync(_tenant, cancellationToken).ConfigureAwait(false);

        CommitNode node;
        List<Wire.DocumentSnapshot>? bootstrap = null;
        lock (_tenant.Gate)
        {
            node = _tenant.Latest;
            if (cursor > node.Head)
                throw RelayRefusal.Precondition($"cursor {cursor} is ahead of this relay's log (head {node.Head}); bootstrap again with cursor 0");
            // A cursor inside the compacted part of the log: the ops after it may be gone, so start over from state.
            if (cursor == 0 || cursor < _tenant.CompactedThrough)
            {
                bootstrap = [];
                foreach (var key in _tenant.Documents.Keys.OrderBy(k => k))
                {
                    if (!_scope.CanRead(caller, key)) continue;
                    var snapshot = _tenant.Snapshot(key);
                    bootstrap.Add(snapshot);
                    _snapshotSent[key] = (long)snapshot.Version;
                }
            }
        }
        var head = node.Head;

        if (bootstrap is not null)
        {
            foreach (var snapshot in bootstrap)
            {
                await WriteAsync(new Wire.PullResponse { Document = snapshot }, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            foreach (var pin in pinRecords.Where(p => p.PinnedAtPosition > cursor))
            {
                await SendSnapshotAsync(new DocumentKey(pin.Document.Collection, pin.Document.Id), resend: false, cancellationToken).ConfigureAwait(false);
            }
            while (cursor < head)
            {
                var page = await engine.Store.ReadLogAsync(caller.Tenant, cursor, ReadPage, cancellationToken).ConfigureAwait(false);
                foreach (var entry in page)
                {
                    if (entry.Position > head) break;
                    // Only once the pull has moved past its start: the snapshots of pins made after the
                    // cursor count as items too, and when they alone reached the limit, a checkpoint at the
                    // start made the device ask again from the same cursor forever (found by the simulation
                    // with small pull batches).
                    if (_items >= limit && cursor > (long)cursorValue)
                    {
                        await CheckpointAsync(cursor, more: true, cancellationToken).ConfigureAwait(false);
                        return;
                    }
                    if (caller.SeesWholeTenant)
                    {
                        // Everything is in scope: the stored bytes go out as they are, never decoded.
                        await SendEncodedAsync(Wire.PullResponse.OfEncodedOp(entry.Payload), cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await RouteAsync(Wire.Op.Parser.ParseFrom(entry.Payload), entry.Position, entry.Payload, null, cancellationToken).ConfigureAwait(false);
                    }
                    cursor = entry.Position;
                }
                if (page.Count < ReadPage) break;
            }
        }
        await CheckpointAsync(head, more: false, cancellationToken).ConfigureAwait(false);
        if (!live) return;

        while (true)
        {
            node = await node.NextAsync(cancellationToken).ConfigureAwait(false);
            foreach (var committed in node.Ops)
            {
                if (caller.SeesWholeTenant)
                {
                    await SendEncodedAsync(committed.StreamItem, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await RouteAsync(committed.Wire, committed.Position, committed.Payload, committed, cancellationToken).ConfigureAwait(false);
                }
            }
            await CheckpointAsync(node.Head, more: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends what a technician's device should get of one op (<paramref name="payload"/> is its
    /// stored encoding; <paramref name="committed"/> the live commit that holds it, if any): the op, a
    /// snapshot of a document that entered its scope, or left_scope.</summary>
    private async Task RouteAsync(Wire.Op op, long position, byte[] payload, CommittedOp? committed, CancellationToken cancellationToken)
    {
        var key = new DocumentKey(op.Document.Collection, op.Document.Id);
        bool readable;
        lock (_tenant.Gate)
        {
            readable = _scope.CanRead(caller, key);
        }
        var isOrder = key.Collection == WorkOrderFields.Collection;
        if (!readable)
        {
            bool wasMine;
            lock (_tenant.Gate)
            {
                wasMine = isOrder && SetsField(op, WorkOrderFields.Assignee) && _tenant.WasEverAssigned(key, caller.Name);
            }
            if (wasMine)
            {
                _snapshotSent.Remove(key);
                await SendAsync(new Wire.PullResponse { LeftScope = op.Document }, cancellationToken).ConfigureAwait(false);
            }
            return;
        }
        if (isOrder && SetsField(op, WorkOrderFields.Assignee))
        {
            // Newly assigned to this technician: the device lacks the order's history.
            await SendSnapshotAsync(key, resend: true, cancellationToken).ConfigureAwait(false);
        }
        else if (!_snapshotSent.TryGetValue(key, out var sentVersion) || position > sentVersion)
        {
            await SendEncodedAsync(committed?.StreamItem ?? Wire.PullResponse.OfEncodedOp(payload), cancellationToken).ConfigureAwait(false);
        }
        if (isOrder && (SetsField(op, WorkOrderFields.Assignee) || SetsField(op, WorkOrderFields.Customer) || SetsField(op, WorkOrderFields.Asset)))
        {
            (DocumentKey? Customer, DocumentKey? Asset) refs;
            lock (_tenant.Gate)
            {
                refs = _tenant.ReferencesOf(key);
            }
            if (refs.Customer is { } customer) await SendSnapshotAsync(customer, resend: false, cancellationToken).ConfigureAwait(false);
            if (refs.Asset is { } asset) await SendSnapshotAsync(asset, resend: false, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendSnapshotAsync(DocumentKey key, bool resend, CancellationToken cancellationToken)
    {
        if (!resend && _snapshotSent.ContainsKey(key)) return;
        Wire.DocumentSnapshot? snapshot = null;
        lock (_tenant.Gate)
        {
            if (_tenant.Documents.Exists(key) && _scope.CanRead(caller, key)) snapshot = _tenant.Snapshot(key);
        }
        if (snapshot is null) return;
        _snapshotSent[key] = (long)snapshot.Version;
        await SendAsync(new Wire.PullResponse { Document = snapshot }, cancellationToken).ConfigureAwait(false);
    }

    private Task SendAsync(Wire.PullResponse response, CancellationToken cancellationToken)
    {
        _items++;
        return WriteAsync(response, cancellationToken);
    }

    /// <summary>Sends an op item built from stored bytes (shared by every stream that sends it).</summary>
    private Task SendEncodedAsync(Wire.PullResponse item, CancellationToken cancellationToken)
    {
        _items++;
        return WriteAsync(item, cancellationToken);
    }

    /// <summary>Writes an item, held back until the next checkpoint or the next <see cref="FlushEvery"/> items.</summary>
    private Task WriteAsync(Wire.PullResponse response, CancellationToken cancellationToken)
    {
        var flush = ++_unflushed >= FlushEvery;
        if (flush) _unflushed = 0;
        output.WriteOptions = flush ? null : HoldBack;
        return output.WriteAsync(response, cancellationToken);
    }

    /// <summary>Sends the checkpoint, and with it every item held back.</summary>
    private Task CheckpointAsync(long cursor, bool more, CancellationToken cancellationToken)
    {
        _unflushed = 0;
        output.WriteOptions = null;
        return output.WriteAsync(new Wire.PullResponse { Checkpoint = new Wire.Checkpoint { Cursor = (ulong)cursor, More = more } }, cancellationToken);
    }

    private static bool SetsField(Wire.Op op, string field) =>
        op.Mutations.Any(m => m.KindCase == Wire.Mutation.KindOneofCase.SetField && m.SetField.Field == field);
}
