using Crdt.Core;
using Crdt.Relay.Auth;
using Crdt.Relay.Diagnostics;
using Crdt.Relay.Storage;
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
/// a commit of many ops costs one flush, not one per op, and a live stream that fell behind sends the
/// commits linked meanwhile under one checkpoint. An op goes out as the bytes it was stored
/// as, never decoded and encoded again: when the output is a served Pull or Subscribe (its response marshaller
/// from <see cref="Services.SyncBinding"/>, <c>preEncodedItems</c>), as an item encoded once per op
/// (<see cref="Wire.PullResponse.PreEncodedOp"/>); for any other writer, as an item the generated serializer writes
/// (<see cref="Wire.PullResponse.OfEncodedOp"/>). What a
/// technician's stream gets of each op is decided by <see cref="SubscriberRouting"/>; this type
/// gathers the facts from the tenant (which answers under its own lock) and writes.
/// </summary>
internal sealed class OpStreamer(RelayEngine engine, IRelayStore store, CallerIdentity caller, IServerStreamWriter<Wire.PullResponse> output, bool preEncodedItems = false,
    RelayMetrics? metrics = null)
{
    private const int DefaultMaxItems = 50_000;
    private const int ReadPage = 2_000;
    // Items held back at most before a flush: bounds what a stream buffers on the relay.
    private const int FlushEvery = 512;
    private static readonly WriteOptions HoldBack = new(WriteFlags.BufferHint);
    private int _unflushed;
    // Items written since the last checkpoint (the live loop bounds how many commits one checkpoint covers).
    private int _sinceCheckpoint;
    // When each live commit under the coming checkpoint was applied (Stopwatch ticks), to time its delivery.
    private readonly List<long> _appliedAt = [];
    private readonly SubscriberRouting _routing = new();
    private TenantState _tenant = null!;
    private ScopedReader _reader = null!;
    private int _items;
    // The stable horizon, told once: on the first checkpoint (the one that ends the catch-up).
    private Wire.VersionVector? _stable;
    // Compaction while the stream runs (README "Bounded history"): the tenant's compacted-through position
    // when it began, and the cursor the device holds (its request's, then each checkpoint's).
    private long _compactedAtStart;
    private long _deviceCursor;

    /// <param name="stable">the tenant's stable horizon for the catch-up's checkpoint (null: none)</param>
    public async Task RunAsync(ulong cursorValue, uint maxItems, bool live, CancellationToken cancellationToken, Wire.VersionVector? stable = null)
    {
        _stable = stable;
        _tenant = await engine.TenantAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
        var pinRecords = caller.SeesWholeTenant
            ? []
            : await store.ListPinsAsync(caller.Tenant, caller.Name, cancellationToken).ConfigureAwait(false);
        var pins = pinRecords.Select(p => new DocumentKey(p.Document.Collection, p.Document.Id)).ToHashSet();
        _reader = new ScopedReader(caller, new ScopePolicy(_tenant, pins));
        var limit = live ? int.MaxValue : (int)(maxItems == 0 ? DefaultMaxItems : maxItems);
        var cursor = (long)cursorValue;

        // A cursor from another node (pushed there) may be ahead of what this node has applied yet.
        if (engine.IsShared && cursor > _tenant.Head)
        {
            await engine.CatchUpAsync(_tenant, cancellationToken).ConfigureAwait(false);
        }

        _compactedAtStart = _tenant.CompactedThrough;
        _deviceCursor = cursor;
        var (node, bootstrap) = _tenant.BeginStream(cursor, _reader);
        var head = node.Head;
        if (bootstrap is not null)
        {
            _deviceCursor = head; // the snapshots hold everything up to the head, whatever leaves the log
        }

        if (bootstrap is not null)
        {
            foreach (var snapshot in bootstrap)
            {
                _routing.SnapshotSent(new DocumentKey(snapshot.Collection, snapshot.Id), (long)snapshot.Version);
                await WriteAsync(new Wire.PullResponse { Document = snapshot }, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            foreach (var pin in pinRecords.Where(p => p.PinnedAtPosition > cursor))
            {
                var key = new DocumentKey(pin.Document.Collection, pin.Document.Id);
                if (_routing.NeedsSnapshot(key))
                {
                    await SendSnapshotAsync(key, cancellationToken).ConfigureAwait(false);
                }
            }
            while (cursor < head)
            {
                var page = await store.ReadLogAsync(caller.Tenant, cursor, ReadPage, cancellationToken).ConfigureAwait(false);
                foreach (var entry in page)
                {
                    if (entry.Position > head)
                    {
                        break;
                    }
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
                        await SendAsync(ItemOf(entry.Payload), cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        var stored = Wire.Op.Parser.ParseFrom(entry.Payload);
                        var key = new DocumentKey(stored.Document.Collection, stored.Document.Id);
                        await RouteAsync(key, SubscriberRouting.FieldsSetBy(stored), entry.Position, entry.Payload, null, cancellationToken).ConfigureAwait(false);
                    }
                    cursor = entry.Position;
                }
                if (page.Count < ReadPage)
                {
                    break;
                }
            }
        }
        await CheckpointAsync(head, more: false, cancellationToken).ConfigureAwait(false);
        if (!live)
        {
            return;
        }

        while (true)
        {
            node = await node.NextAsync(cancellationToken).ConfigureAwait(false);
            _appliedAt.Clear();
            await SendCommitAsync(node, cancellationToken).ConfigureAwait(false);
            // Commits linked while this stream's last flush was out go with this one, under one checkpoint: a
            // stream that fell behind catches up with one flush per FlushEvery items, not one per commit. (Flushing
            // each commit, streams fell further behind through a burst: docs/performance.md, issue 11, session 9.)
            // Bounded, so that a device still gets a checkpoint at least every FlushEvery items and one commit.
            while (_sinceCheckpoint < FlushEvery && node.TryNext(out var next))
            {
                node = next;
                await SendCommitAsync(node, cancellationToken).ConfigureAwait(false);
            }
            await CheckpointAsync(node.Head, more: false, cancellationToken).ConfigureAwait(false);
            if (metrics is not null)
            {
                var flushed = RelayMetrics.Timestamp();
                foreach (var applied in _appliedAt)
                {
                    metrics.StreamDelivered(applied, flushed);
                }
            }
        }
    }

    /// <summary>Writes (held back) what the stream gets of one live commit's ops.</summary>
    private async Task SendCommitAsync(CommitNode node, CancellationToken cancellationToken)
    {
        _appliedAt.Add(node.AppliedAt);
        foreach (var committed in node.Ops)
        {
            if (caller.SeesWholeTenant)
            {
                await SendAsync(ItemOf(committed), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await RouteAsync(committed.Op.Document, SubscriberRouting.FieldsSetBy(committed.Op), committed.Position, committed.Payload, committed,
                    cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes what <see cref="SubscriberRouting"/> decides a technician's device gets of one op on
    /// <paramref name="key"/> that sets <paramref name="sets"/> (<paramref name="payload"/> is its stored
    /// encoding; <paramref name="committed"/> the live commit that holds it, if any).</summary>
    private async Task RouteAsync(DocumentKey key, ScopeFields sets, long position, byte[] payload, CommittedOp? committed, CancellationToken cancellationToken)
    {
        var route = _routing.Decide(key, sets, position, _tenant.FactsFor(key, _reader));
        switch (route.Kind)
        {
            case RouteKind.Op:
                await SendAsync(committed is null ? ItemOf(payload) : ItemOf(committed), cancellationToken).ConfigureAwait(false);
                break;
            case RouteKind.Snapshot:
                await SendSnapshotAsync(key, cancellationToken).ConfigureAwait(false);
                break;
            case RouteKind.LeftScope:
                await SendAsync(new Wire.PullResponse { LeftScope = new Wire.DocumentKey { Collection = key.Collection, Id = key.Id } }, cancellationToken).ConfigureAwait(false);
                break;
        }
        foreach (var related in route.Related)
        {
            await SendSnapshotAsync(related, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The item for an op read from the store.</summary>
    private Wire.PullResponse ItemOf(byte[] payload) =>
        preEncodedItems ? Wire.PullResponse.PreEncodedOp(payload) : Wire.PullResponse.OfEncodedOp(payload);

    /// <summary>The item for a live commit's op, made once for every stream that sends it.</summary>
    private Wire.PullResponse ItemOf(CommittedOp committed) =>
        preEncodedItems ? committed.PreEncodedItem : committed.StreamItem;

    /// <summary>Sends the document whole, if it exists and is in scope now.</summary>
    private async Task SendSnapshotAsync(DocumentKey key, CancellationToken cancellationToken)
    {
        if (_tenant.SnapshotIfReadable(key, _reader) is not { } snapshot)
        {
            return;
        }

        _routing.SnapshotSent(key, (long)snapshot.Version);
        await SendAsync(new Wire.PullResponse { Document = snapshot }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a counted item (op items built from stored bytes are shared by every stream that sends them).</summary>
    private Task SendAsync(Wire.PullResponse response, CancellationToken cancellationToken)
    {
        _items++;
        return WriteAsync(response, cancellationToken);
    }

    /// <summary>Writes an item, held back until the next checkpoint or the next <see cref="FlushEvery"/> items.</summary>
    private Task WriteAsync(Wire.PullResponse response, CancellationToken cancellationToken)
    {
        _sinceCheckpoint++;
        var flush = ++_unflushed >= FlushEvery;
        if (flush)
        {
            _unflushed = 0;
        }

        output.WriteOptions = flush ? null : HoldBack;
        // A held-back write only copies into the response buffer and completes at once; given a token that
        // can be cancelled, Grpc.AspNetCore registers and unregisters it around every write. The flushing
        // writes (and the wait for the next commit) still end the stream on cancellation or revocation.
        return output.WriteAsync(response, flush ? cancellationToken : CancellationToken.None);
    }

    /// <summary>Sends the checkpoint, and with it every item held back.</summary>
    private Task CheckpointAsync(long cursor, bool more, CancellationToken cancellationToken)
    {
        // Ops after the device's cursor may have left the log since the stream began (compacted here or by
        // another node): what was sent may have a hole, so no checkpoint vouches for it; the device pulls again
        // and starts from snapshots.
        var compactedThrough = _tenant.CompactedThrough;
        if (compactedThrough > _compactedAtStart && _deviceCursor < compactedThrough)
        {
            throw new RelayRefusal(RefusalKind.Unavailable, $"the log after cursor {_deviceCursor} was compacted (through position {compactedThrough}) during this stream; pull again");
        }

        _deviceCursor = cursor;
        _unflushed = 0;
        _sinceCheckpoint = 0;
        output.WriteOptions = null;
        var checkpoint = new Wire.Checkpoint { Cursor = (ulong)cursor, More = more, Stable = _stable };
        _stable = null;
        return output.WriteAsync(new Wire.PullResponse { Checkpoint = checkpoint }, cancellationToken);
    }
}
