using System.Net;
using System.Text.Json;
using Crdt.Core;
using Crdt.Relay.Cli;
using Crdt.Relay.Devices;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Postgres;
using Crdt.Relay.Tests.Support;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Compaction;

/// <summary>
/// Compaction on PostgreSQL with several relays on one database (issue 16): through the Admin API of one
/// node or the <c>compact --postgres</c> command while the nodes run, the other node follows (pulls from
/// inside the compacted part bootstrap there too), pushes go on through either node, and a relay started
/// afterwards loads the same state from bases and log.
/// </summary>
public sealed class PostgresCompactionTests : IAsyncDisposable
{
    private PostgresRelays? _relays;
    private readonly Dictionary<string, string> _tokens = [];

    public async ValueTask DisposeAsync()
    {
        if (_relays is not null) await _relays.DisposeAsync();
    }

    private RelayClient Client(int node, string name) => _relays!.Client(node, _tokens[name], name);

    /// <summary>Waits until both nodes serve <paramref name="expected"/> (the other node follows within a sweep).</summary>
    private async Task AssertBothNodesServeAsync(string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        for (var node = 0; node < 2; node++)
        {
            string actual;
            while ((actual = CompactionReplica.Fingerprint(await CompactionReplica.BootstrapAsync(Client(node, "admin")))) != expected && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>Two nodes; an admin edits through node 0, bob through node 1, both acknowledge everything.</summary>
    private async Task<(CompactionReplica Admin, CompactionReplica Bob, CompactionReplica Restored)> SetUpAsync()
    {
        _relays = await PostgresRelays.StartAsync(2);
        _tokens["admin"] = await _relays.RegisterAsync("admin", DeviceRoleKind.Admin);
        _tokens["bob"] = await _relays.RegisterAsync("bob", DeviceRoleKind.Dispatcher);
        var admin = new CompactionReplica("admin", "board-admin");
        var bob = new CompactionReplica("bob", "board-bob");
        admin.Keep(admin.Editor.CreateOrder("wo-1", "tom"));
        admin.Keep(admin.Editor.CreateOrder("wo-2", "tom"));
        await admin.SyncAsync(Client(0, "admin"));
        // Bob's device as it was then, restored from a backup later: its cursor ends up inside the compacted part.
        var restored = new CompactionReplica("bob", "board-bob");
        await AssertBothNodesServeAsync(CompactionReplica.Fingerprint(CompactionReplica.Reference(admin)));
        restored.Take(await Client(1, "bob").PullAsync());
        admin.Churn(5, "a", "wo-1", "wo-2");
        await admin.SyncAsync(Client(0, "admin"));
        await AssertBothNodesServeAsync(CompactionReplica.Fingerprint(CompactionReplica.Reference(admin)));
        await bob.SyncAsync(Client(1, "bob"));
        bob.Churn(2, "b", "wo-2");
        await bob.SyncAsync(Client(1, "bob"));
        await AssertBothNodesServeAsync(CompactionReplica.Fingerprint(CompactionReplica.Reference(admin, bob)));
        await admin.SyncAsync(Client(0, "admin"));
        await admin.SyncAsync(Client(0, "admin"));
        await bob.SyncAsync(Client(1, "bob"));
        return (admin, bob, restored);
    }

    /// <summary>After a compaction: node 1 serves the restored device from snapshots, work goes on through both nodes, a new relay loads the same state.</summary>
    private async Task AssertServedAfterCompactionAsync(CompactionReplica admin, CompactionReplica bob, CompactionReplica restored)
    {
        var expected = CompactionReplica.Fingerprint(CompactionReplica.Reference(admin, bob));
        await AssertBothNodesServeAsync(expected);
        restored.Take(await Client(1, "bob").PullAsync(restored.Cursor));
        Assert.Equal(2, restored.SnapshotsTaken);
        Assert.Equal(expected, CompactionReplica.Fingerprint(restored.Editor.Documents));

        bob.Keep(bob.Editor.Set(Support.Device.Order("wo-1"), WorkOrderFields.Priority, "urgent"));
        await bob.SyncAsync(Client(1, "bob"));
        admin.Keep(admin.Editor.Set(Support.Device.Order("wo-2"), WorkOrderFields.Description, "after compaction"));
        await admin.SyncAsync(Client(0, "admin"));
        var after = CompactionReplica.Fingerprint(CompactionReplica.Reference(admin, bob));
        await AssertBothNodesServeAsync(after);

        await using var third = await RelayHost.StartAsync(new RelayOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            ConfigureLogging = logging => logging.SetMinimumLevel(LogLevel.Critical),
        }, await PostgresRelayStore.OpenAsync(_relays!.Database.ConnectionString));
        using var client = new RelayClient(third.Address, _tokens["admin"], "admin");
        Assert.Equal(after, CompactionReplica.Fingerprint(await CompactionReplica.BootstrapAsync(client)));
    }

    [Fact]
    public async Task Admin_compact_on_one_of_two_postgres_relays_keeps_both_serving_the_same_state()
    {
        var (admin, bob, restored) = await SetUpAsync();

        var client = Client(0, "admin");
        var compacted = await client.Admin.CompactAsync(new Wire.CompactRequest(), client.Options()).ResponseAsync;

        Assert.True(compacted.OpsAfter < compacted.OpsBefore / 3, compacted.ToString());
        Assert.True(compacted.BytesAfter < compacted.BytesBefore, compacted.ToString());
        Assert.Empty(compacted.HeldBackBy);
        await AssertServedAfterCompactionAsync(admin, bob, restored);
    }

    [Fact]
    public async Task Compact_postgres_on_the_command_line_while_the_relays_run()
    {
        var (admin, bob, restored) = await SetUpAsync();

        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await RelayCli.RunAsync(["compact", "--postgres", _relays!.Database.ConnectionString, "--json"], output, error);

        Assert.True(exit == 0, $"compact exited {exit}: {error}");
        var json = JsonDocument.Parse(output.ToString()).RootElement;
        Assert.True(json.GetProperty("opsAfter").GetInt64() < json.GetProperty("opsBefore").GetInt64() / 3, json.ToString());
        Assert.True(json.GetProperty("bytesAfter").GetInt64() < json.GetProperty("bytesBefore").GetInt64(), json.ToString());
        Assert.Equal("default", json.GetProperty("tenants")[0].GetProperty("tenant").GetString());
        await AssertServedAfterCompactionAsync(admin, bob, restored);
    }

    [Fact]
    public async Task A_node_cut_off_while_another_compacted_merges_the_bases_and_tells_its_live_streams_to_pull_again()
    {
        CutOffStore? cut = null;
        _relays = await PostgresRelays.StartAsync(2, storeOf: (i, store) =>
        {
            if (i != 1) return store;
            var (proxy, control) = CutOffStore.Over((PostgresRelayStore)store);
            cut = control;
            return proxy;
        });
        _tokens["admin"] = await _relays.RegisterAsync("admin", DeviceRoleKind.Admin);
        _tokens["bob"] = await _relays.RegisterAsync("bob", DeviceRoleKind.Dispatcher);
        var admin = new CompactionReplica("admin", "board-admin");
        var bob = new CompactionReplica("bob", "board-bob");
        admin.Keep(admin.Editor.CreateOrder("wo-1", "tom"));
        admin.Keep(admin.Editor.CreateOrder("wo-2", "tom"));
        await admin.SyncAsync(Client(0, "admin"));
        await AssertBothNodesServeAsync(CompactionReplica.Fingerprint(CompactionReplica.Reference(admin)));
        // Bob's device holds a live stream on node 1, caught up to here.
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var streamCursor = admin.Cursor;
        using var live = Client(1, "bob").Subscribe(streamCursor, stop.Token);
        Assert.True(await live.ResponseStream.MoveNext(stop.Token));
        Assert.Equal(Wire.PullResponse.ItemOneofCase.Checkpoint, live.ResponseStream.Current.ItemCase);

        // Node 1 loses the database; meanwhile edits land through node 0, everyone acknowledges them, node 0 compacts.
        cut!.CutOff = true;
        admin.Churn(5, "a", "wo-1", "wo-2");
        foreach (var replica in new[] { admin, bob, admin, bob }) await replica.SyncAsync(Client(0, replica.Name));
        var client = Client(0, "admin");
        var compacted = await client.Admin.CompactAsync(new Wire.CompactRequest(), client.Options()).ResponseAsync;
        Assert.True(compacted.OpsAfter < compacted.OpsBefore / 3, compacted.ToString());

        // Back: node 1 finds the ops it missed gone, merges their bases, and the stream that never got them is told to pull again.
        cut.CutOff = false;
        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await live.ResponseStream.MoveNext(stop.Token))
            {
            }
        });
        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.Contains("compacted", ended.Status.Detail);
        var expected = CompactionReplica.Fingerprint(CompactionReplica.Reference(admin));
        await AssertBothNodesServeAsync(expected);
        // Pulling again from where the stream left it starts from snapshots, on the node that was cut off.
        var again = new CompactionReplica("bob", "board-bob");
        again.Take(await Client(1, "bob").PullAsync(streamCursor));
        Assert.Equal(2, again.SnapshotsTaken);
        Assert.Equal(expected, CompactionReplica.Fingerprint(again.Editor.Documents));
    }
}
