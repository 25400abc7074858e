using System.Collections.Concurrent;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Tests.Storage;

/// <summary>
/// What every relay storage backend must do, written once against <see cref="IRelayStore"/>:
/// a backend passes by deriving from this class and saying how to open (and reopen) a store.
/// Guards against lost or duplicated ops, half-written batches, readers skipping ops that
/// commit late, tenants leaking into each other, and tokens or revocations going astray.
/// </summary>
public abstract partial class RelayStoreConformance : IAsyncLifetime
{
    private IRelayStore? _store;

    /// <summary>The store under test, fresh and empty for each test.</summary>
    protected IRelayStore Store => _store ?? throw new InvalidOperationException("not initialised");

    /// <summary>Opens an empty store for one test.</summary>
    protected abstract Task<IRelayStore> CreateEmptyStoreAsync();

    /// <summary>Closes <paramref name="store"/> and opens the same data again, as after a restart.</summary>
    protected abstract Task<IRelayStore> ReopenAsync(IRelayStore store);

    public async Task InitializeAsync() => _store = await CreateEmptyStoreAsync();

    public virtual async Task DisposeAsync()
    {
        if (_store is not null) await _store.DisposeAsync();
    }

    private static readonly StoreDocumentKey Order1 = new("WorkOrder", "wo-1");
    private static readonly StoreDocumentKey Order2 = new("WorkOrder", "wo-2");

    private static OpRecord Op(string replica, long seq, StoreDocumentKey? doc = null, byte fill = 1) =>
        new(replica, seq, doc ?? Order1, [fill, (byte)seq, (byte)(seq >> 8), 42]);

    [Fact]
    public async Task Append_gives_increasing_positions_and_reads_return_them_in_order()
    {
        var first = await Store.AppendAsync("t1", [Op("a", 1), Op("a", 2)]);
        var second = await Store.AppendAsync("t1", [Op("b", 1, Order2)]);

        Assert.True(first.Positions[0] < first.Positions[1]);
        Assert.True(first.Positions[1] < second.Positions[0]);
        Assert.Equal(second.Positions[0], second.Head);
        var log = await Store.ReadLogAsync("t1", 0, 100);
        Assert.Equal([first.Positions[0], first.Positions[1], second.Positions[0]], log.Select(e => e.Position));
        Assert.Equal(("b", 1L, Order2), (log[2].Replica, log[2].Sequence, log[2].Document));
        Assert.Equal(Op("b", 1, Order2).Payload, log[2].Payload);
        Assert.Equal(second.Head, await Store.GetHeadAsync("t1"));
    }

    [Fact]
    public async Task Reading_after_a_position_returns_only_later_ops_up_to_the_limit()
    {
        var result = await Store.AppendAsync("t1", Enumerable.Range(1, 10).Select(i => Op("a", i)).ToList());

        var page = await Store.ReadLogAsync("t1", result.Positions[3], 4);

        Assert.Equal(result.Positions.Skip(4).Take(4), page.Select(e => e.Position));
        Assert.Empty(await Store.ReadLogAsync("t1", result.Head, 100));
    }

    [Fact]
    public async Task Re_appending_a_stored_op_is_a_duplicate_that_keeps_its_first_position()
    {
        var first = await Store.AppendAsync("t1", [Op("a", 1), Op("a", 2)]);

        var again = await Store.AppendAsync("t1", [Op("a", 2), Op("a", 3)]);

        Assert.Equal([true, false], again.Duplicates);
        Assert.Equal(first.Positions[1], again.Positions[0]);
        Assert.Equal(1, again.StoredCount);
        Assert.Equal(1, again.DuplicateCount);
        Assert.Equal(3, (await Store.ReadLogAsync("t1", 0, 100)).Count);
    }

    [Fact]
    public async Task Names_are_stored_exactly_whatever_their_characters_even_empty()
    {
        // Accents, CJK, a character outside the basic plane (a surrogate pair in UTF-16), and empty text.
        var odd = new StoreDocumentKey("WorkOrder", "wö-日本-\U0001F600");
        var empty = new StoreDocumentKey("WorkOrder", "");
        var result = await Store.AppendAsync("tënant-ß", [Op("répl-\U0001F600", 1, odd), Op("répl-\U0001F600", 2, empty)]);

        var log = await Store.ReadLogAsync("tënant-ß", 0, 100);
        Assert.Equal([("répl-\U0001F600", 1L, odd), ("répl-\U0001F600", 2L, empty)], log.Select(e => (e.Replica, e.Sequence, e.Document)));
        // Found again by the same names: a re-push is a duplicate, not a second copy.
        var again = await Store.AppendAsync("tënant-ß", [Op("répl-\U0001F600", 2, empty)]);
        Assert.Equal([true], again.Duplicates);
        Assert.Equal(result.Positions[1], again.Positions[0]);
    }

    [Fact]
    public async Task Batches_of_any_size_store_every_row_with_its_own_names_sequence_and_payload()
    {
        // Sizes around the SQLite store's rows per statement (32, 8, 1) and a push's 250; within a batch
        // the replica, collection and document change every few rows, back to earlier values, and the document
        // id to empty text, so no row can keep a name of the row before it (the store binds a text only when it
        // changes); tenants alternate between batches, and repeats and a stored dot leave gaps among the fresh rows.
        var expected = new Dictionary<string, List<(string, long, StoreDocumentKey, byte[])>>
        {
            ["t1"] = [], ["t2"] = [],
        };
        var sequences = new Dictionary<(string, string), long>();
        var batchNumber = 0;
        foreach (var size in new[] { 1, 7, 8, 9, 31, 32, 33, 41, 250, 3 })
        {
            var tenant = batchNumber % 2 == 0 ? "t1" : "t2";
            var batch = new List<OpRecord>();
            for (var i = 0; i < size; i++)
            {
                var replica = (i / 5 % 3) switch { 0 => "replica-a", 1 => "replica-b", _ => "replica-c" };
                var seq = sequences[(tenant, replica)] = sequences.GetValueOrDefault((tenant, replica)) + 1;
                var document = new StoreDocumentKey(i % 7 == 6 ? "Customer" : "WorkOrder", i % 4 == 3 ? "" : $"doc-{batchNumber}-{i % 3}");
                var op = new OpRecord(replica, seq, document, [(byte)batchNumber, (byte)i, (byte)(i >> 8), 7]);
                batch.Add(op);
                expected[tenant].Add((replica, seq, document, op.Payload));
            }
            if (size > 2 && batchNumber % 3 == 0)
            {
                batch.Insert(2, batch[0]); // a repeat within the batch: stored once
            }
            var result = await Store.AppendAsync(tenant, batch);

            Assert.Equal(size, result.Duplicates.Count(d => !d));
            batchNumber++;
        }
        var again = await Store.AppendAsync("t1", [new OpRecord("replica-a", 1, new StoreDocumentKey("WorkOrder", "doc-0-0"), [0, 0, 0, 7]), new OpRecord("replica-z", 1, Order1, [1])]);
        Assert.Equal([true, false], again.Duplicates);
        expected["t1"].Add(("replica-z", 1, Order1, [1]));

        foreach (var (tenant, ops) in expected)
        {
            var log = await Store.ReadLogAsync(tenant, 0, 1000);
            Assert.Equal(ops.Select(o => (o.Item1, o.Item2, o.Item3)), log.Select(e => (e.Replica, e.Sequence, e.Document)));
            Assert.Equal(ops.Select(o => Convert.ToHexString(o.Item4)), log.Select(e => Convert.ToHexString(e.Payload)));
            Assert.True(log.Zip(log.Skip(1)).All(p => p.First.Position < p.Second.Position));
        }
    }

    [Fact]
    public async Task A_batch_out_of_sequence_order_with_a_repeat_and_a_stored_dot_keeps_every_position_straight()
    {
        var first = await Store.AppendAsync("t1", [Op("a", 2)]);

        // Not one replica's ascending sequences: the general path (repeats and stored dots by dictionary).
        var result = await Store.AppendAsync("t1", [Op("a", 3), Op("b", 1), Op("a", 2), Op("a", 1), Op("a", 3)]);

        Assert.Equal([false, false, true, false, true], result.Duplicates);
        Assert.Equal(first.Positions[0], result.Positions[2]);
        Assert.Equal(result.Positions[0], result.Positions[4]);
        Assert.True(result.Positions[0] < result.Positions[1] && result.Positions[1] < result.Positions[3]);
        Assert.Equal(result.Positions[3], result.Head);
        var log = await Store.ReadLogAsync("t1", 0, 100);
        Assert.Equal([("a", 2L), ("a", 3L), ("b", 1L), ("a", 1L)], log.Select(e => (e.Replica, e.Sequence)));
    }

    [Fact]
    public async Task A_stored_dot_between_the_sequences_of_a_batch_is_no_part_of_it()
    {
        var stored = await Store.AppendAsync("t1", [Op("a", 2), Op("a", 4)]);

        var result = await Store.AppendAsync("t1", [Op("a", 1), Op("a", 3), Op("a", 4), Op("a", 5)]);

        Assert.Equal([false, false, true, false], result.Duplicates);
        Assert.Equal(stored.Positions[1], result.Positions[2]);
        Assert.Equal(5, (await Store.ReadLogAsync("t1", 0, 100)).Count);
        await Assert.ThrowsAsync<DotConflictException>(() => Store.AppendAsync("t1", [Op("a", 6), Op("a", 2, fill: 9)]));
    }

    [Fact]
    public async Task The_same_dot_twice_in_one_batch_is_stored_once()
    {
        var result = await Store.AppendAsync("t1", [Op("a", 1), Op("a", 1)]);

        Assert.Equal([false, true], result.Duplicates);
        Assert.Equal(result.Positions[0], result.Positions[1]);
        Assert.Single(await Store.ReadLogAsync("t1", 0, 100));
    }

    [Fact]
    public async Task A_dot_reused_with_other_content_fails_the_whole_batch_and_stores_nothing_of_it()
    {
        await Store.AppendAsync("t1", [Op("a", 1)]);
        var headBefore = await Store.GetHeadAsync("t1");

        var conflict = await Assert.ThrowsAsync<DotConflictException>(() =>
            Store.AppendAsync("t1", [Op("b", 1), Op("b", 2), Op("a", 1, fill: 9), Op("b", 3)]));

        Assert.Equal(("a", 1L), (conflict.Replica, conflict.Sequence));
        Assert.Equal(headBefore, await Store.GetHeadAsync("t1"));
        Assert.Single(await Store.ReadLogAsync("t1", 0, 100));
        // The refused batch left no trace: sending its good ops again stores them as new.
        var retry = await Store.AppendAsync("t1", [Op("b", 1), Op("b", 2)]);
        Assert.Equal(2, retry.StoredCount);
    }

    [Fact]
    public async Task A_replica_id_belongs_to_the_first_device_that_appends_it_even_after_a_reopen()
    {
        await Store.AppendAsync("t1", [Op("a", 1)], claim: new ReplicaClaim("ana"));
        _store = await ReopenAsync(Store);
        var headBefore = await Store.GetHeadAsync("t1");

        var owned = await Assert.ThrowsAsync<ReplicaOwnedException>(() =>
            Store.AppendAsync("t1", [Op("b", 1), Op("a", 2)], claim: new ReplicaClaim("ben")));

        Assert.Equal(("a", "ana"), (owned.Replica, owned.Owner));
        Assert.Equal(headBefore, await Store.GetHeadAsync("t1"));
        // The refused batch bound nothing: replica b is still free, and ana goes on under a.
        Assert.Null(await Store.GetReplicaOwnerAsync("t1", "b"));
        Assert.Equal(1, (await Store.AppendAsync("t1", [Op("a", 2)], claim: new ReplicaClaim("ana"))).StoredCount);
        // Owners are per tenant, like dots.
        Assert.Equal(1, (await Store.AppendAsync("t2", [Op("a", 1)], claim: new ReplicaClaim("ben"))).StoredCount);
        Assert.Equal("ana", (await Store.GetReplicaOwnerAsync("t1", "a"))?.Device);
        Assert.Equal("ben", (await Store.GetReplicaOwnerAsync("t2", "a"))?.Device);
        // The key hash a replica id was bound with comes back with its owner (acknowledgements check it).
        await Store.AppendAsync("t1", [Op("k", 1)], claim: new ReplicaClaim("ana", [1, 2, 3]));
        Assert.Equal(new byte[] { 1, 2, 3 }, (await Store.GetReplicaOwnerAsync("t1", "k"))?.KeyHash);
        Assert.Null((await Store.GetReplicaOwnerAsync("t1", "a"))?.KeyHash);
    }

    [Fact]
    public async Task A_replica_id_bound_in_a_refused_batch_stays_free_and_owners_keep_holding_within_one_open_store()
    {
        // Without a reopen, so that a store which remembers owners between pushes (SQLite) is held to the
        // same answers as the database gives.
        await Store.AppendAsync("t1", [Op("a", 1)], claim: new ReplicaClaim("ana"));
        await Assert.ThrowsAsync<ReplicaOwnedException>(() => Store.AppendAsync("t1", [Op("a", 2)], claim: new ReplicaClaim("ben")));
        // ana's batch binding c is refused (a reused dot): c is not ana's, and her next push binds it for real.
        await Assert.ThrowsAsync<DotConflictException>(() =>
            Store.AppendAsync("t1", [Op("c", 1), Op("a", 1, fill: 9)], claim: new ReplicaClaim("ana")));
        Assert.Null(await Store.GetReplicaOwnerAsync("t1", "c"));
        Assert.Equal(1, (await Store.AppendAsync("t1", [Op("c", 1)], claim: new ReplicaClaim("ana"))).StoredCount);
        Assert.Equal("ana", (await Store.GetReplicaOwnerAsync("t1", "c"))?.Device);
        await Assert.ThrowsAsync<ReplicaOwnedException>(() => Store.AppendAsync("t1", [Op("c", 2)], claim: new ReplicaClaim("ben")));
        // The owner shows a key for the first time: it is recorded, and then whoever shows it may push.
        await Store.AppendAsync("t1", [Op("a", 2)], claim: new ReplicaClaim("ana", [4, 5, 6]));
        Assert.Equal(new byte[] { 4, 5, 6 }, (await Store.GetReplicaOwnerAsync("t1", "a"))?.KeyHash);
        Assert.Equal(1, (await Store.AppendAsync("t1", [Op("a", 3)], claim: new ReplicaClaim("bob", [4, 5, 6]))).StoredCount);
        await Assert.ThrowsAsync<ReplicaOwnedException>(() => Store.AppendAsync("t1", [Op("a", 4)], claim: new ReplicaClaim("bob", [7])));
    }

    [Fact]
    public async Task Tenants_never_see_each_others_ops_and_dots_are_per_tenant()
    {
        await Store.AppendAsync("t1", [Op("a", 1)]);
        var other = await Store.AppendAsync("t2", [Op("a", 1, fill: 7), Op("a", 2)]);

        Assert.Equal(0, other.DuplicateCount);
        Assert.Single(await Store.ReadLogAsync("t1", 0, 100));
        var t2 = await Store.ReadLogAsync("t2", 0, 100);
        Assert.Equal(2, t2.Count);
        Assert.Equal(7, t2[0].Payload[0]);
        Assert.Equal(0, await Store.GetHeadAsync("t3"));
    }

    [Fact]
    public async Task A_reader_following_concurrent_writers_never_skips_an_op()
    {
        const int writers = 4, batches = 25, batchSize = 8;
        var seen = new ConcurrentDictionary<(string, long), long>();
        using var done = new CancellationTokenSource();

        async Task Follow()
        {
            long cursor = 0;
            while (true)
            {
                var finished = done.IsCancellationRequested;
                var page = await Store.ReadLogAsync("t1", cursor, 50);
                foreach (var entry in page)
                {
                    Assert.True(entry.Position > cursor, "positions must grow along the log");
                    Assert.True(seen.TryAdd((entry.Replica, entry.Sequence), entry.Position), "an op was read twice");
                    cursor = entry.Position;
                }
                if (finished && page.Count == 0) return;
                if (page.Count == 0) await Task.Yield();
            }
        }

        var reader = Task.Run(Follow);
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var b = 0; b < batches; b++)
            {
                await Store.AppendAsync("t1", Enumerable.Range(1, batchSize).Select(i => Op($"w{w}", b * batchSize + i)).ToList());
            }
        })));
        done.Cancel();
        await reader;

        Assert.Equal(writers * batches * batchSize, seen.Count);
    }

    [Fact]
    public async Task Stored_ops_devices_and_pins_survive_a_restart()
    {
        var appended = await Store.AppendAsync("t1", [Op("a", 1)]);
        await Store.AddDeviceAsync(new NewDevice("t1", "alice", DeviceRoleKind.Technician, [1, 2, 3], DateTimeOffset.UnixEpoch));
        await Store.SetPinAsync("t1", "alice", Order2, pinned: true);
        await Store.SetMetaAsync("replica", "r-1");

        _store = await ReopenAsync(Store);

        Assert.Equal(appended.Head, await Store.GetHeadAsync("t1"));
        Assert.Equal("alice", (await Store.FindDeviceByTokenHashAsync([1, 2, 3]))?.Name);
        Assert.Equal([Order2], (await Store.ListPinsAsync("t1", "alice")).Select(p => p.Document));
        Assert.Equal("r-1", await Store.GetMetaAsync("replica"));
    }

    [Fact]
    public async Task Devices_are_found_by_token_hash_and_names_are_unique_per_tenant()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var added = await Store.AddDeviceAsync(new NewDevice("t1", "alice", DeviceRoleKind.Technician, [9, 9], at));
        await Store.AddDeviceAsync(new NewDevice("t2", "alice", DeviceRoleKind.Dispatcher, [8, 8], at));

        await Assert.ThrowsAsync<DeviceNameTakenException>(() =>
            Store.AddDeviceAsync(new NewDevice("t1", "alice", DeviceRoleKind.Admin, [7, 7], at)));
        Assert.Equal(added, await Store.FindDeviceByTokenHashAsync([9, 9]));
        Assert.Equal(DeviceRoleKind.Dispatcher, (await Store.FindDeviceByTokenHashAsync([8, 8]))?.Role);
        Assert.Null(await Store.FindDeviceByTokenHashAsync([7, 7]));
        Assert.Equal(["t1", "t2"], (await Store.ListTenantsAsync()).Select(t => t.Name));
        Assert.Equal(["t1"], (await Store.ListDevicesAsync("t1", includeRevoked: true)).Select(d => d.Tenant));
        Assert.Equal(2, (await Store.ListDevicesAsync(null, includeRevoked: false)).Count);
    }

    [Fact]
    public async Task Revoking_marks_the_device_changes_the_epoch_and_hides_it_from_the_active_list()
    {
        await Store.AddDeviceAsync(new NewDevice("t1", "alice", DeviceRoleKind.Technician, [5], DateTimeOffset.UnixEpoch));
        var epochBefore = await Store.GetDeviceEpochAsync();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

        var revoked = await Store.RevokeDeviceAsync("t1", "alice", at);

        Assert.Equal(at, revoked?.RevokedAt);
        Assert.True((await Store.FindDeviceByTokenHashAsync([5]))!.IsRevoked);
        Assert.NotEqual(epochBefore, await Store.GetDeviceEpochAsync());
        Assert.Empty(await Store.ListDevicesAsync("t1", includeRevoked: false));
        Assert.Single(await Store.ListDevicesAsync("t1", includeRevoked: true));
        Assert.Null(await Store.RevokeDeviceAsync("t1", "nobody", at));
        // Revoking again keeps the first revocation time.
        Assert.Equal(at, (await Store.RevokeDeviceAsync("t1", "alice", at.AddDays(1)))?.RevokedAt);
    }

    [Fact]
    public async Task Pins_remember_the_log_head_when_made_and_can_be_removed()
    {
        var head = (await Store.AppendAsync("t1", [Op("a", 1), Op("a", 2)])).Head;
        var customer = new StoreDocumentKey("Customer", "c-1");

        await Store.SetPinAsync("t1", "alice", customer, pinned: true);
        await Store.SetPinAsync("t1", "alice", customer, pinned: true);
        await Store.SetPinAsync("t1", "bob", Order2, pinned: true);

        var pins = await Store.ListPinsAsync("t1", "alice");
        Assert.Equal([new PinRecord(customer, head)], pins);
        await Store.SetPinAsync("t1", "alice", customer, pinned: false);
        Assert.Empty(await Store.ListPinsAsync("t1", "alice"));
        Assert.Single(await Store.ListPinsAsync("t1", "bob"));
    }

    [Fact]
    public async Task Creating_a_tenant_twice_keeps_the_first()
    {
        var first = await Store.EnsureTenantAsync("acme", DateTimeOffset.FromUnixTimeMilliseconds(1000));
        var second = await Store.EnsureTenantAsync("acme", DateTimeOffset.FromUnixTimeMilliseconds(2000));

        Assert.Equal(first, second);
        Assert.Equal(1000, second.CreatedAt.ToUnixTimeMilliseconds());
    }
}
