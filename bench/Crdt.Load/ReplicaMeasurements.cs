using System.Diagnostics;
using System.Globalization;
using System.Net;
using Crdt.Core;
using Crdt.Relay;
using Crdt.Relay.Devices;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Sqlite;
using Crdt.Replica;

namespace Crdt.Load;

/// <summary>
/// The device replica's figures (issue 5), measured on real files and a real relay on loopback:
/// durable local edits per second (one edit per transaction, and batched), the time to open a
/// replica holding 10,000 work orders (and to load them all), and the time to sync 50,000
/// offline ops up to the relay and down to a second device.
/// Call <see cref="RunAsync"/> from the harness, e.g. <c>replica [--scale S]</c>.
/// </summary>
public static class ReplicaMeasurements
{
    /// <param name="scale">1 = the sizes; smaller for a quick run.</param>
    public static async Task<int> RunAsync(TextWriter output, double scale = 1.0, CancellationToken cancellationToken = default)
    {
        var root = Path.Combine(Path.GetTempPath(), "crdt-replica-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            int Scaled(int n) => Math.Max(1, (int)Math.Round(n * scale));
            output.WriteLine($"replica measurements (scale {scale.ToString(CultureInfo.InvariantCulture)}, {Environment.ProcessorCount} cores)");
            RawSqliteBound.Measure(output, root, Scaled(5_000), full: true);
            RawSqliteBound.Measure(output, root, Scaled(5_000), full: false);
            await SingleEditsAsync(output, root, Scaled(5_000), ReplicaDurability.Full, cancellationToken);
            await SingleEditsAsync(output, root, Scaled(5_000), ReplicaDurability.ProcessCrashOnly, cancellationToken);
            await BatchedEditsAsync(output, root, Scaled(50_000), batch: 500, cancellationToken);
            await OpenAsync(output, root, Scaled(10_000), cancellationToken);
            await SyncAsync(output, root, Scaled(50_000), cancellationToken);
            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static DocumentEdit NewOrder(DeviceReplica replica, int i, string assignee = "bench") =>
        replica.Create(WorkOrderFields.Collection, $"WO-{i:D6}")
            .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled)
            .Set(WorkOrderFields.Title, $"Order {i}")
            .Set(WorkOrderFields.Description, "Replace the pump seal and check the pressure")
            .Set(WorkOrderFields.Assignee, assignee)
            .Set(WorkOrderFields.Address, $"{i} Main Street");

    private static async Task CreateOrdersAsync(DeviceReplica replica, int count, CancellationToken ct)
    {
        for (var start = 0; start < count; start += 1_000)
        {
            await replica.SaveAllAsync(Enumerable.Range(start, Math.Min(1_000, count - start)).Select(i => NewOrder(replica, i)).ToList(), ct);
        }
    }

    /// <summary>Each edit its own durable transaction, as a technician makes them.</summary>
    private static async Task SingleEditsAsync(TextWriter output, string root, int edits, ReplicaDurability durability, CancellationToken ct)
    {
        await using var replica = await DeviceReplica.OpenAsync(Path.Combine(root, $"single-{durability}.db"), new ReplicaOptions { Durability = durability }, ct);
        await CreateOrdersAsync(replica, 100, ct);
        // Warm-up edits first, so the figures are the steady state rather than the JIT compiling the path.
        for (var i = 0; i < Math.Min(1_000, edits); i++)
        {
            await replica.EditWorkOrder($"WO-{i % 100:D6}").Set(WorkOrderFields.Priority, "low").SaveAsync(ct);
        }
        // CPU time and allocations per edit barely move with other load on the machine, unlike the wall clock.
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var ioBefore = ProcessIo.Read();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < edits; i++)
        {
            await replica.EditWorkOrder($"WO-{i % 100:D6}").Set(WorkOrderFields.Priority, (i % 2 == 0) ? "high" : "normal").SaveAsync(ct);
        }
        clock.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var io = ProcessIo.PerEdit(ioBefore, ProcessIo.Read(), edits);
        output.WriteLine(
            $"single durable edits ({durability}): {edits} edits in {clock.Elapsed.TotalMilliseconds:F0} ms = {edits / clock.Elapsed.TotalSeconds:F0} edits/s, " +
            $"CPU {cpu.TotalMicroseconds / edits:F0} µs/edit, {allocated / edits} B allocated/edit{io}");
    }

    /// <summary>Many edits per transaction (SaveAllAsync), as a bulk import or a multi-field form does; same edits as the single case.</summary>
    private static async Task BatchedEditsAsync(TextWriter output, string root, int edits, int batch, CancellationToken ct)
    {
        await using var replica = await DeviceReplica.OpenAsync(Path.Combine(root, "batched.db"), cancellationToken: ct);
        await CreateOrdersAsync(replica, 100, ct);
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < edits; start += batch)
        {
            await replica.SaveAllAsync(Enumerable.Range(start, Math.Min(batch, edits - start))
                .Select(i => replica.EditWorkOrder($"WO-{i % 100:D6}").Set(WorkOrderFields.Priority, (i % 2 == 0) ? "high" : "normal"))
                .ToList(), ct);
        }
        clock.Stop();
        output.WriteLine($"batched durable edits ({batch} per transaction): {edits} edits in {clock.Elapsed.TotalMilliseconds:F0} ms = {edits / clock.Elapsed.TotalSeconds:F0} edits/s");
    }

    /// <summary>Opening a file with many orders (lazy: documents load on first use), then loading them all.</summary>
    private static async Task OpenAsync(TextWriter output, string root, int orders, CancellationToken ct)
    {
        var path = Path.Combine(root, "open.db");
        await using (var replica = await DeviceReplica.OpenAsync(path, cancellationToken: ct))
        {
            await CreateOrdersAsync(replica, orders, ct);
            await replica.EditWorkOrder("WO-000000").AddHours(1).SaveAsync(ct);
        }
        // Warm the code paths once on another file, so the figure is the file's cost, not JIT.
        await using (var warm = await DeviceReplica.OpenAsync(Path.Combine(root, "warm.db"), cancellationToken: ct))
        {
            await NewOrder(warm, 1).SaveAsync(ct);
            _ = warm.WorkOrders().Count;
        }
        var clock = Stopwatch.StartNew();
        await using var opened = await DeviceReplica.OpenAsync(path, cancellationToken: ct);
        var first = opened.GetWorkOrder("WO-000000")!;
        var openMs = clock.Elapsed.TotalMilliseconds;
        var all = opened.WorkOrders();
        var loadMs = clock.Elapsed.TotalMilliseconds;
        if (all.Count != orders || first.TotalHours != 1m)
        {
            throw new InvalidOperationException($"open check failed: {all.Count} orders, {first.TotalHours} h");
        }
        output.WriteLine($"open a replica of {orders} work orders and read one: {openMs:F0} ms; then load and list all {all.Count}: {loadMs:F0} ms total");
    }

    /// <summary>A day of offline work (ops) pushed to a relay on loopback and pulled by a second device.</summary>
    private static async Task SyncAsync(TextWriter output, string root, int ops, CancellationToken ct)
    {
        var data = Path.Combine(root, "relay");
        var tokenA = DeviceTokens.NewToken();
        var tokenB = DeviceTokens.NewToken();
        await using (var store = SqliteRelayStore.Open(data))
        {
            await store.AddDeviceAsync(new NewDevice("default", "bench-a", DeviceRoleKind.Dispatcher, DeviceTokens.Hash(tokenA), DateTimeOffset.UtcNow), ct);
            await store.AddDeviceAsync(new NewDevice("default", "bench-b", DeviceRoleKind.Dispatcher, DeviceTokens.Hash(tokenB), DateTimeOffset.UtcNow), ct);
        }
        await using var relay = await RelayHost.StartAsync(new RelayOptions { DataDirectory = data, Listen = new IPEndPoint(IPAddress.Loopback, 0) }, ct);
        var url = relay.Address.ToString().TrimEnd('/');
        await using var a = await DeviceReplica.OpenAsync(Path.Combine(root, "sync-a.db"), cancellationToken: ct);
        await using var b = await DeviceReplica.OpenAsync(Path.Combine(root, "sync-b.db"), cancellationToken: ct);
        await a.SignInAsync(url, tokenA, "bench-a", cancellationToken: ct);
        await b.SignInAsync(url, tokenB, "bench-b", cancellationToken: ct);
        const int Orders = 1_000;
        await CreateOrdersAsync(a, Orders, ct);
        await a.SyncAsync(cancellationToken: ct);
        await b.SyncAsync(cancellationToken: ct);

        await a.SetWorkOfflineAsync(true, ct);
        for (var start = 0; start < ops; start += 1_000)
        {
            await a.SaveAllAsync(Enumerable.Range(start, Math.Min(1_000, ops - start))
                .Select(i => a.EditWorkOrder($"WO-{i % Orders:D6}").AddHours(0.25m, null, "bench-a"))
                .ToList(), ct);
        }
        await a.SetWorkOfflineAsync(false, ct);

        var clock = Stopwatch.StartNew();
        var up = await a.SyncAsync(cancellationToken: ct);
        var upMs = clock.Elapsed.TotalMilliseconds;
        var down = await b.SyncAsync(cancellationToken: ct);
        var totalMs = clock.Elapsed.TotalMilliseconds;
        var expected = ops * 0.25m;
        var got = b.WorkOrders().Sum(o => o.TotalHours);
        if (up.OpsSent != ops || got != expected)
        {
            throw new InvalidOperationException($"sync check failed: sent {up.OpsSent} of {ops}; device B has {got} h of {expected}");
        }
        output.WriteLine($"sync {ops} offline ops: push {upMs:F0} ms ({up.BytesSent / 1024} KiB), pull on a second device {totalMs - upMs:F0} ms ({down.BytesReceived / 1024} KiB), round trip {totalMs:F0} ms");
    }
}
