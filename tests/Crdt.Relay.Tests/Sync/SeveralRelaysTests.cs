using System.Diagnostics;
using System.Net;
using Crdt.Core;
using Grpc.Core;
using Grpc.Health.V1;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Storage;
using Crdt.Relay.Tests.Support;
using Npgsql;
using Wire = Crdt.Core.Wire;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Crdt.Relay.Tests.Sync;

/// <summary>
/// Guards several relay nodes on one PostgreSQL database (each a full relay on its own port): an op
/// pushed through one node reaches live streams on the other, both nodes' state agrees, a cursor
/// from one node is good on the other, revoking through one node ends streams on every node, and a
/// database that goes away answers UNAVAILABLE, turns health NOT_SERVING until it is back, and
/// loses nothing acknowledged.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SeveralRelaysTests
{
    private static IEnumerable<Op> Ops(IEnumerable<Wire.PullResponse> items) =>
        items.Where(i => i.ItemCase == Wire.PullResponse.ItemOneofCase.Op).Select(i => Wire.CoreMessages.ToOp(i.Op));

    [Fact]
    public async Task An_op_pushed_through_one_node_reaches_subscribe_and_watch_streams_on_the_other()
    {
        await using var relays = await PostgresRelays.StartAsync(nodes: 2);
        var dinaToken = await relays.RegisterAsync("dina", DeviceRoleKind.Dispatcher);
        var ottoToken = await relays.RegisterAsync("otto", DeviceRoleKind.Dispatcher);
        var pusher = relays.Client(0, dinaToken);
        var watcher = relays.Client(1, ottoToken);
        var board = new Device("board-1", "dina");
        await pusher.PushAsync(board.CreateOrder("wo-1", "tom"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var subscription = watcher.Subscribe(0, cancel.Token);
        using var watch = watcher.Watch(new Wire.WatchRequest { Collection = "WorkOrder" }, cancel.Token);
        // The bootstrap ends with a checkpoint: the stream is live from here.
        while (await subscription.ResponseStream.MoveNext(cancel.Token) && subscription.ResponseStream.Current.ItemCase != Wire.PullResponse.ItemOneofCase.Checkpoint) { }
        // The watch is live once its headers arrive (node 1 sends them after setting it up); the
        // subscription being live says nothing of the watch, a separate call. Without this wait, under
        // load node 1 applied the edit before setting the watch up, and a watch reports only later changes.
        await watch.ResponseHeadersAsync.WaitAsync(cancel.Token);

        var edit = board.Set(Device.Order("wo-1"), WorkOrderFields.Priority, "urgent");
        var pushed = await pusher.PushAsync(edit);

        Wire.PullResponse item;
        do
        {
            Assert.True(await subscription.ResponseStream.MoveNext(cancel.Token));
            item = subscription.ResponseStream.Current;
        }
        while (item.ItemCase != Wire.PullResponse.ItemOneofCase.Op);
        Assert.Equal(edit.Dot, Wire.CoreMessages.ToOp(item.Op).Dot);
        Assert.True(await subscription.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal(pushed.Cursor, subscription.ResponseStream.Current.Checkpoint.Cursor);
        Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal("urgent", watch.ResponseStream.Current.Document.Fields["priority"].StringValue);
    }

    [Fact]
    public async Task A_watch_is_live_once_its_headers_arrive_and_reports_the_next_change_from_the_other_node_however_slowly_it_was_set_up()
    {
        HeldPinsStore? held = null;
        await using var relays = await PostgresRelays.StartAsync(nodes: 2, storeOf: (i, store) =>
        {
            if (i != 1)
            {
                return store;
            }
            (var wrapped, held) = HeldPinsStore.Over(store);
            return wrapped;
        });
        var dinaToken = await relays.RegisterAsync("dina", DeviceRoleKind.Dispatcher);
        var tomToken = await relays.RegisterAsync("tom", DeviceRoleKind.Technician);
        var pusher = relays.Client(0, dinaToken);
        var board = new Device("board-1", "dina");
        await pusher.PushAsync(board.CreateOrder("wo-1", "tom"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        // Tom's watch on node 1 is held while it looks up his pins, before it is set up.
        using var watch = relays.Client(1, tomToken).Watch(new Wire.WatchRequest { Collection = "WorkOrder" }, cancel.Token);
        await held!.Entered.WaitAsync(cancel.Token);

        // An edit node 1 applies meanwhile (the CI flake's order of events): before the watch is set up.
        await pusher.PushAsync(board.Set(Device.Order("wo-1"), WorkOrderFields.Priority, "high"));
        await UntilAsync(async () => (await relays.Client(1, dinaToken).GetAsync("WorkOrder", "wo-1")).Fields.TryGetValue("priority", out var p) && p.StringValue == "high", cancel.Token);
        Assert.False(watch.ResponseHeadersAsync.IsCompleted, "the watch sent its headers before it was set up");

        held.Release();
        await watch.ResponseHeadersAsync.WaitAsync(cancel.Token);
        await pusher.PushAsync(board.Set(Device.Order("wo-1"), WorkOrderFields.Priority, "urgent"));

        // The first change is the edit after the headers; the one before them is the state a watch with send_initial starts from.
        Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal("urgent", watch.ResponseStream.Current.Document.Fields["priority"].StringValue);
    }

    /// <summary>Asks <paramref name="condition"/> again every 50 ms until it holds (or the token ends the wait).</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        while (!await condition())
        {
            await Task.Delay(50, cancellationToken);
        }
    }

    [Fact]
    public async Task Two_serve_processes_on_one_database_serve_one_tenant_push_on_one_live_on_the_other_revoked_on_both()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        var environment = new Dictionary<string, string> { ["CRDT_RELAY_POSTGRES"] = database.ConnectionString };
        var started = await ServeProcess.StartManyAsync(2, environment);
        await using var first = started[0];
        await using var second = started[1];
        var added = new StringWriter();
        Assert.Equal(0, await Crdt.Relay.Cli.RelayCli.RunAsync(["device", "add", "--postgres", database.ConnectionString, "--name", "dina", "--role", "dispatcher"], added, TextWriter.Null));
        var token = added.ToString().TrimEnd().Split('\n').Last().Trim();
        using var pusher = new RelayClient(first.Address, token, "dina");
        using var listener = new RelayClient(second.Address, token, "dina");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var subscription = listener.Subscribe(0, cancel.Token);
        Assert.True(await subscription.ResponseStream.MoveNext(cancel.Token)); // the bootstrap's checkpoint

        var board = new Device("board-1", "dina");
        var created = board.CreateOrder("wo-1", "tom");
        await pusher.PushAsync(created);

        Assert.True(await subscription.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal(created.Dot, Wire.CoreMessages.ToOp(subscription.ResponseStream.Current.Op).Dot);
        Assert.Equal(0, await Crdt.Relay.Cli.RelayCli.RunAsync(["device", "revoke", "dina", "--postgres", database.ConnectionString], TextWriter.Null, TextWriter.Null));
        var ended = await Assert.ThrowsAsync<RpcException>(async () => { while (await subscription.ResponseStream.MoveNext(cancel.Token)) { } });
        // The stream ends (before the 30 s token): UNAUTHENTICATED as a rule; under load the server
        // process has also been seen to reset it (CANCELLED), a race not yet run down (noted on issue 13).
        Assert.True(ended.StatusCode is StatusCode.Unauthenticated or StatusCode.Cancelled, $"ended with {ended.Status}");
        Assert.False(cancel.IsCancellationRequested);
        // The other node learns of the revocation from its own poll of the devices table: within ~2 s.
        // (Refused is what matters: UNAUTHENTICATED, or CANCELLED in the race noted above.)
        var refused = await RefusedWithinAsync(() => pusher.PullAsync(), TimeSpan.FromSeconds(3));
        Assert.True(refused is StatusCode.Unauthenticated or StatusCode.Cancelled, $"the revoked device's pull answered {refused?.ToString() ?? "OK"}");
    }

    /// <summary>The status a call is refused with once it is refused, trying again until <paramref name="within"/> passed.</summary>
    private static async Task<StatusCode?> RefusedWithinAsync(Func<Task> call, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                await call();
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
            if (DateTime.UtcNow > deadline) return null;
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_node_that_hears_no_wake_ups_still_delivers_every_op_from_its_sweep_of_the_log()
    {
        await using var relays = await PostgresRelays.StartAsync(nodes: 2, storeOf: (i, store) => i == 1 ? DeafStore.Over(store) : store);
        var token = await relays.RegisterAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-1", "dina");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var subscription = relays.Client(1, token).Subscribe(0, cancel.Token);
        Assert.True(await subscription.ResponseStream.MoveNext(cancel.Token)); // the bootstrap's checkpoint

        var ops = new[] { board.CreateOrder("wo-1", "tom"), board.Set(Device.Order("wo-1"), WorkOrderFields.Priority, "high") };
        foreach (var op in ops) await relays.Client(0, token).PushAsync(op);

        var received = new List<Dot>();
        while (received.Count < ops.Length && await subscription.ResponseStream.MoveNext(cancel.Token))
        {
            if (subscription.ResponseStream.Current.Op is { } op) received.Add(Wire.CoreMessages.ToOp(op).Dot);
        }
        Assert.Equal(ops.Select(o => o.Dot), received);
    }

    [Fact]
    public async Task Both_nodes_agree_on_state_and_a_cursor_from_one_is_good_on_the_other()
    {
        await using var relays = await PostgresRelays.StartAsync(nodes: 2);
        var tokens = new[] { await relays.RegisterAsync("dina", DeviceRoleKind.Dispatcher), await relays.RegisterAsync("dora", DeviceRoleKind.Dispatcher) };
        var boards = new[] { new Device("board-1", "dina"), new Device("board-2", "dora") };
        var created = boards[0].CreateOrder("wo-1", "tom");
        boards[1].Receive([created]);
        await relays.Client(0, tokens[0]).PushAsync(created);

        // Two devices push concurrently, each through its own node, onto one order.
        await Task.WhenAll(Enumerable.Range(0, 2).Select(d => Task.Run(async () =>
        {
            var client = relays.Client(d, tokens[d]);
            for (var i = 0; i < 15; i++)
            {
                await client.PushAsync(boards[d].AddHours("wo-1", $"e{d}-{i}", 1m), boards[d].Set(Device.Order("wo-1"), WorkOrderFields.Description, $"{d}:{i}"));
            }
        })));
        var lastThroughNode0 = await relays.Client(0, tokens[0]).PushAsync(boards[0].Set(Device.Order("wo-1"), WorkOrderFields.Priority, "high"));

        // A device that pushed through node 0 pulls from node 1 from that cursor: nothing is ahead of node 1.
        var tail = await relays.Client(1, tokens[0]).PullAsync(lastThroughNode0.Cursor);
        Assert.Equal(lastThroughNode0.Cursor, tail[^1].Checkpoint.Cursor);
        // Every op after the order's creation once, from the other node: 2 devices x 15 pushes x 2 ops, then the priority.
        var fromNode1 = Ops(await relays.Client(1, tokens[1]).PullAsync(1)).Select(o => o.Dot).ToList();
        Assert.Equal(2 * 15 * 2 + 1, fromNode1.Count);
        Assert.Equal(fromNode1.Count, fromNode1.Distinct().Count());
        var views = await Task.WhenAll(relays.Client(0, tokens[0]).GetAsync("WorkOrder", "wo-1"), relays.Client(1, tokens[1]).GetAsync("WorkOrder", "wo-1"));
        Assert.Equal(views[0], views[1]);
        Assert.Equal("30", views[1].Totals["hours"]);
        Assert.Equal("high", views[1].Fields["priority"].StringValue);
    }

    [Fact]
    public async Task Documents_mutations_through_both_nodes_at_once_all_land_though_the_nodes_share_the_relays_replica_id()
    {
        await using var relays = await PostgresRelays.StartAsync(nodes: 2);
        var token = await relays.RegisterAsync("dina", DeviceRoleKind.Dispatcher);
        var clients = new[] { relays.Client(0, token), relays.Client(1, token) };

        await Task.WhenAll(Enumerable.Range(0, 2).Select(n => Task.Run(async () =>
        {
            for (var i = 0; i < 12; i++)
            {
                await clients[n].MutateAsync("Part", $"p{n}-{i}", 0,
                    new Wire.Mutation { SetField = new Wire.SetField { Field = "sku", Value = new Wire.FieldValue { StringValue = $"SKU-{n}-{i}" } } },
                    new Wire.Mutation { SetField = new Wire.SetField { Field = "name", Value = new Wire.FieldValue { StringValue = $"Part {n}-{i}" } } });
            }
        })));

        var log = await relays.Nodes[0].Store.ReadLogAsync("default", 0, 100);
        Assert.Equal(24, log.Count);
        Assert.Equal(Enumerable.Range(1, 24).Select(i => (long)i), log.Select(e => e.Sequence).Order());
        // Node 1 applies node 0's writes after its own last one on a wake-up, a moment later: a pull from
        // the log's head makes it catch up first (as for a device that wrote through node 0), so the read is not a race.
        await clients[1].PullAsync((ulong)log.Max(e => e.Position));
        Assert.Equal("SKU-0-11", (await clients[1].GetAsync("Part", "p0-11")).Fields["sku"].StringValue);
    }

    [Fact]
    public async Task Revoking_through_one_node_ends_the_devices_streams_on_every_node()
    {
        // The other node learns of the revocation from the database (the promise is "within a second or
        // two"); that is a latency, measured rather than asserted. A stream that never ended would run
        // into the cancellation below and end Cancelled, not Unauthenticated.
        await using var relays = await PostgresRelays.StartAsync(nodes: 2);
        var adminToken = await relays.RegisterAsync("root", DeviceRoleKind.Admin);
        var techToken = await relays.RegisterAsync("tom", DeviceRoleKind.Technician);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var streams = Enumerable.Range(0, 2).Select(n => relays.Client(n, techToken).Subscribe(0, cancel.Token)).ToList();
        foreach (var stream in streams) Assert.True(await stream.ResponseStream.MoveNext(cancel.Token));

        await relays.Client(0, adminToken).RevokeDeviceAsync(new Wire.RevokeDeviceRequest { Name = "tom" });

        foreach (var stream in streams)
        {
            var ended = await Assert.ThrowsAsync<RpcException>(async () => { while (await stream.ResponseStream.MoveNext(cancel.Token)) { } });
            Assert.Equal(StatusCode.Unauthenticated, ended.StatusCode);
        }
        foreach (var stream in streams) stream.Dispose();
    }

    [Fact]
    public async Task A_database_that_goes_away_gives_unavailable_and_not_serving_health_and_nothing_acknowledged_is_lost()
    {
        var cluster = new NpgsqlConnectionStringBuilder(PostgresTestDatabase.ClusterConnectionString);
        await using var cutter = new TcpCutter(new IPEndPoint(IPAddress.Loopback, cluster.Port));
        // Node 0 reaches the database through the cutter; node 1 directly, and keeps serving.
        await using var relays = await PostgresRelays.StartAsync(nodes: 2, connectionStringOf: (i, database) =>
            i == 0 ? new NpgsqlConnectionStringBuilder(database) { Port = cutter.Port }.ConnectionString : database);
        var token = await relays.RegisterAsync("dina", DeviceRoleKind.Dispatcher);
        var client = relays.Client(0, token);
        var board = new Device("board-1", "dina");
        var acknowledged = new List<Dot>();
        ulong lastCursor = 0;
        async Task Push(Op op)
        {
            lastCursor = (await client.PushAsync(op)).Cursor;
            acknowledged.Add(op.Dot);
        }
        await Push(board.CreateOrder("wo-1", "tom"));
        using var healthChannel = Grpc.Net.Client.GrpcChannel.ForAddress(relays.Nodes[0].Address);
        var health = new Health.HealthClient(healthChannel);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // A load balancer's view of node 0: a Watch held open through the outage, and Checks.
        using var watch = health.Watch(new HealthCheckRequest(), cancellationToken: cancel.Token);
        await NextStatusAsync(watch, ServingStatus.Serving, cancel.Token);

        await cutter.CutAsync();
        var pending = board.Set(Device.Order("wo-1"), WorkOrderFields.Priority, "high");
        var failures = new List<RpcException>();
        for (var i = 0; i < 3; i++)
        {
            failures.Add(await Assert.ThrowsAsync<RpcException>(() => client.PushAsync(pending)));
        }
        await NextStatusAsync(watch, ServingStatus.NotServing, cancel.Token);
        Assert.Equal(ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest { Service = Wire.Sync.Descriptor.FullName })).Status);
        // Node 1 reaches the database and says so.
        using var otherChannel = Grpc.Net.Client.GrpcChannel.ForAddress(relays.Nodes[1].Address);
        Assert.Equal(ServingStatus.Serving, (await new Health.HealthClient(otherChannel).CheckAsync(new HealthCheckRequest())).Status);
        cutter.Restore();
        // SERVING again once the database is back, with no call needed to find out.
        await NextStatusAsync(watch, ServingStatus.Serving, cancel.Token);
        Assert.Equal(ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = Wire.Sync.Descriptor.FullName })).Status);
        // The node recovers by itself: the device's retry goes through.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await Push(pending);
                break;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && deadline.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(100);
            }
        }
        await Push(board.Set(Device.Order("wo-1"), WorkOrderFields.Priority, "urgent"));

        Assert.All(failures, failure =>
        {
            Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
            // The store's words, never a stack trace.
            Assert.DoesNotContain("   at ", failure.Status.Detail);
        });
        var log = await relays.Nodes[1].Store.ReadLogAsync("default", 0, 100);
        Assert.Equal(acknowledged, log.Select(e => new Dot(new ReplicaId(e.Replica), e.Sequence)));
        // Node 1 applies the last push (through node 0) on a wake-up, a moment later: a pull from its cursor makes it catch up first.
        await relays.Client(1, token).PullAsync(lastCursor);
        Assert.Equal("urgent", (await relays.Client(1, token).GetAsync("WorkOrder", "wo-1")).Fields["priority"].StringValue);
    }

    /// <summary>Reads the health Watch until it reports <paramref name="wanted"/> (a status may be repeated before it changes).</summary>
    private static async Task NextStatusAsync(AsyncServerStreamingCall<HealthCheckResponse> watch, ServingStatus wanted, CancellationToken cancellationToken)
    {
        while (true)
        {
            Assert.True(await watch.ResponseStream.MoveNext(cancellationToken), $"the health Watch ended before reporting {wanted}");
            if (watch.ResponseStream.Current.Status == wanted)
            {
                return;
            }
        }
    }
}
