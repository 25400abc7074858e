using System.Diagnostics;
using System.Net;
using Crdt.Core;
using Grpc.Core;
using Grpc.Net.Client;
using Crdt.Relay;
using Crdt.Relay.Devices;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Sqlite;
using Wire = Crdt.Core.Wire;

namespace Crdt.Load.RelayBench;

/// <summary>
/// The relay's own two figures (issue 4), against an in-process relay on 127.0.0.1 over real
/// HTTP/2 sockets and SQLite in a temp folder:
/// (1) ops stored per second when D technician devices (default 100), each holding E offline ops
///     (default 500: creates of its own orders, then edits), push them all at once, in batches;
/// (2) the time for a new technician device to bootstrap a scope of N work orders (default 500,
///     each with a customer), i.e. Pull from cursor 0 until the checkpoint, and the same plus
///     merging every snapshot into a DocumentSet as a replica does.
/// Call: <c>RelayPushBench.RunAsync(args)</c> with <c>[--devices D] [--ops E] [--batch B]
/// [--orders N] [--durable true|false]</c>; Program.cs maps it to the <c>relay-push</c> mode.
/// </summary>
public static class RelayPushBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        int Arg(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
        var devices = Arg("--devices", 100);
        var opsPerDevice = Arg("--ops", 500);
        var batch = Arg("--batch", 500);
        var orders = Arg("--orders", 500);
        var durable = !(Array.IndexOf(args, "--durable") is var d and >= 0 && d + 1 < args.Length && args[d + 1] == "false");

        var data = Directory.CreateTempSubdirectory("relay-push-bench-").FullName;
        try
        {
            var tokens = await RegisterAsync(data, devices);
            await using var relay = await RelayHost.StartAsync(new RelayOptions
            {
                DataDirectory = data,
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                DurableCommits = durable,
                ConfigureLogging = _ => { },
            });
            Console.WriteLine($"relay {relay.Address} durable={durable} machine: {Environment.ProcessorCount} cores");

            var push = await MeasurePushAsync(relay.Address, tokens, opsPerDevice, batch);
            Console.WriteLine($"push: {devices} devices x {opsPerDevice} ops (batches of {batch}): {push.Ops} ops stored in {push.Elapsed.TotalMilliseconds:0} ms " +
                $"= {push.Ops / push.Elapsed.TotalSeconds:0} ops/s (target >= 50,000)");

            var boot = await MeasureBootstrapAsync(relay.Address, tokens["dispatcher"], tokens["boot-tech"], orders);
            Console.WriteLine($"bootstrap: {orders} work orders + {orders} customers, {boot.Items} snapshots, {boot.Bytes / 1024} KiB: " +
                $"pull {boot.Pull.TotalMilliseconds:0} ms, pull + merge into a DocumentSet {boot.PullAndMerge.TotalMilliseconds:0} ms (target < 1000 ms)");
            return push.Ops == devices * opsPerDevice ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<Dictionary<string, string>> RegisterAsync(string data, int devices)
    {
        var tokens = new Dictionary<string, string>();
        await using var store = SqliteRelayStore.Open(data, durableCommits: false);
        async Task Add(string name, DeviceRoleKind role)
        {
            var token = DeviceTokens.NewToken();
            await store.AddDeviceAsync(new NewDevice("default", name, role, DeviceTokens.Hash(token), DateTimeOffset.UtcNow));
            tokens[name] = token;
        }
        for (var i = 0; i < devices; i++) await Add($"tech-{i:000}", DeviceRoleKind.Technician);
        await Add("dispatcher", DeviceRoleKind.Dispatcher);
        await Add("boot-tech", DeviceRoleKind.Technician);
        return tokens;
    }

    private static CallOptions Auth(string token) => new(new Metadata { { "authorization", "Bearer " + token } });

    /// <summary>Each device's offline ops: 5 orders of its own, then edits spread over them.</summary>
    private static List<Wire.Op> OfflineOps(string name, int count)
    {
        var editor = new LocalEditor(new ReplicaId("replica-" + name), new DocumentSet(SchemaRegistry.CreateDefault()));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        var ops = new List<Wire.Op>(count);
        var orders = Math.Min(5, count);
        for (var o = 0; o < orders; o++)
        {
            ops.Add(Wire.CoreMessages.ToMessage(editor.Create(new DocumentKey(WorkOrderFields.Collection, $"{name}-wo-{o}"), name, now, m => m
                .Set(WorkOrderFields.Title, $"Order {o} of {name}").Set(WorkOrderFields.Status, WorkOrderStatus.Open).Set(WorkOrderFields.Assignee, name))));
        }
        for (var i = orders; i < count; i++)
        {
            var key = new DocumentKey(WorkOrderFields.Collection, $"{name}-wo-{i % orders}");
            ops.Add(Wire.CoreMessages.ToMessage(i % 3 == 0
                ? editor.Edit(key, name, now + i, m => m.Add(WorkOrderFields.TimeEntries, $"t{i}", (TimeEntryFields.Hours, 0.25m)))
                : editor.Edit(key, name, now + i, m => m.Set(WorkOrderFields.Description, $"note {i}"))));
        }
        return ops;
    }

    private static async Task<(long Ops, TimeSpan Elapsed)> MeasurePushAsync(Uri address, Dictionary<string, string> tokens, int opsPerDevice, int batch)
    {
        var devices = tokens.Keys.Where(k => k.StartsWith("tech-", StringComparison.Ordinal)).ToList();
        var outboxes = devices.ToDictionary(d => d, d => OfflineOps(d, opsPerDevice));
        var channels = devices.ToDictionary(d => d, _ => GrpcChannel.ForAddress(address));
        try
        {
            // Warm the connections (one handshake per device), as devices already online would be.
            await Task.WhenAll(devices.Select(d => channels[d].PushAsync(new Wire.PushRequest(), Auth(tokens[d]))));
            long stored = 0;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            await Task.WhenAll(devices.Select(async d =>
            {
                var outbox = outboxes[d];
                for (var i = 0; i < outbox.Count; i += batch)
                {
                    var request = new Wire.PushRequest();
                    request.Ops.AddRange(outbox.Skip(i).Take(batch));
                    var answer = await channels[d].PushAsync(request, Auth(tokens[d]));
                    Interlocked.Add(ref stored, answer.Stored);
                }
            }));
            var elapsed = Stopwatch.GetElapsedTime(started);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            Console.WriteLine($"push CPU (relay and all 100 clients, one process): {cpu.TotalSeconds:0.00} s = {cpu.TotalMicroseconds / stored:0} µs per op; " +
                $"load average while measuring: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            return (stored, elapsed);
        }
        finally
        {
            foreach (var channel in channels.Values) channel.Dispose();
        }
    }

    private static async Task<(int Items, long Bytes, TimeSpan Pull, TimeSpan PullAndMerge)> MeasureBootstrapAsync(Uri address, string dispatcherToken,
        string techToken, int orders)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var board = new LocalEditor(new ReplicaId("board"), new DocumentSet(SchemaRegistry.CreateDefault()));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        var request = new Wire.PushRequest();
        for (var o = 0; o < orders; o++)
        {
            var customer = new DocumentKey(CustomerFields.Collection, $"boot-c-{o}");
            request.Ops.Add(Wire.CoreMessages.ToMessage(board.Create(customer, "dispatcher", now, m => m.Set(CustomerFields.Name, $"Customer {o}"))));
            var order = new DocumentKey(WorkOrderFields.Collection, $"boot-wo-{o}");
            request.Ops.Add(Wire.CoreMessages.ToMessage(board.Create(order, "dispatcher", now, m => m
                .Set(WorkOrderFields.Title, $"Boot order {o}").Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled)
                .Set(WorkOrderFields.Assignee, "boot-tech").Set(WorkOrderFields.Customer, customer)
                .Set(WorkOrderFields.Description, "Replace the filter and check the pressure").Set(WorkOrderFields.Address, "1 Main St"))));
            request.Ops.Add(Wire.CoreMessages.ToMessage(board.Edit(order, "dispatcher", now + 1, m => m
                .Add(WorkOrderFields.Checklist, "c1", (ChecklistFields.Text, "Isolate power")).Set(WorkOrderFields.Priority, "high"))));
            if (request.Ops.Count >= 3000)
            {
                await channel.PushAsync(request, Auth(dispatcherToken));
                request = new Wire.PushRequest();
            }
        }
        if (request.Ops.Count > 0) await channel.PushAsync(request, Auth(dispatcherToken));
        await channel.PushAsync(new Wire.PushRequest(), Auth(techToken)); // connection up, as a device online

        var started = Stopwatch.GetTimestamp();
        using var call = channel.Pull(new Wire.PullRequest(), Auth(techToken));
        var items = new List<Wire.PullResponse>();
        await foreach (var item in call.ResponseStream.ReadAllAsync()) items.Add(item);
        var pulled = Stopwatch.GetElapsedTime(started);
        var replica = new DocumentSet(SchemaRegistry.CreateDefault());
        foreach (var item in items.Where(i => i.Document is not null)) Wire.CoreMessages.MergeSnapshot(replica, item.Document);
        var merged = Stopwatch.GetElapsedTime(started);
        if (replica.Count != 2 * orders) throw new InvalidOperationException($"bootstrap gave {replica.Count} documents, expected {2 * orders}");
        return (items.Count - 1, items.Sum(i => (long)i.CalculateSize()), pulled, merged);
    }
}
