using Crdt.Core;
using Crdt.Grpc;
using Crdt.Relay.Auth;
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
/// </summary>
internal sealed class OpStreamer(RelayEngine engine, CallerIdentity caller, IAsyncStreamWriter<Wire.PullResponse> output)
{
    private const int DefaultMaxItems = 50_000;
    private const int ReadPage = 2_000;
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

        CommitNode node;
        List<Wire.DocumentSnapshot>? bootstrap = null;
        lock (_tenant.Gate)
        {
            node = _tenant.Latest;
            if (cursor > node.Head)
                throw RelayRefusal.Precondition($"cursor {cursor} is ahead of this relay's log (head {node.Head}); bootstrap again with cursor 0");
            if (cursor == 0)
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
                await output.WriteAsync(new Wire.PullResponse { Document = snapshot }, cancellationToken).ConfigureAwait(false);
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
                    if (_items >= limit)
                    {
                        await CheckpointAsync(cursor, more: true, cancellationToken).ConfigureAwait(false);
                        return;
                    }
                    await RouteAsync(Wire.Op.Parser.ParseFrom(entry.Payload), entry.Position, cancellationToken).ConfigureAwait(false);
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
                await RouteAsync(committed.Wire, committed.Position, cancellationToken).ConfigureAwait(false);
            }
            await CheckpointAsync(node.Head, more: false, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RouteAsync(Wire.Op op, long position, CancellationToken cancellationToken)
    {
        var key = new DocumentKey(op.Document.Collection, op.Document.Id);
        bool readable;
        lock (_tenant.Gate)
        {
            readable = _scope.CanRead(caller, key);
        }
        if (caller.SeesWholeTenant)
        {
            await SendAsync(new Wire.PullResponse { Op = op }, cancellationToken).ConfigureAwait(false);
            return;
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
            await SendAsync(new Wire.PullResponse { Op = op }, cancellationToken).ConfigureAwait(false);
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
        return output.WriteAsync(response, cancellationToken);
    }

    private Task CheckpointAsync(long cursor, bool more, CancellationToken cancellationToken) =>
        output.WriteAsync(new Wire.PullResponse { Checkpoint = new Wire.Checkpoint { Cursor = (ulong)cursor, More = more } }, cancellationToken);

    private static bool SetsField(Wire.Op op, string field) =>
        op.Mutations.Any(m => m.KindCase == Wire.Mutation.KindOneofCase.SetField && m.SetField.Field == field);
}
