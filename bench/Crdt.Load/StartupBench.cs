using System.Diagnostics;
using System.Globalization;
using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Postgres;
using Crdt.Relay.Storage.Sqlite;
using Crdt.Testing;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Crdt.Load;

/// <summary>
/// <c>startup [--ops 1000000] [--orders 20000] [--devices 200] [--runs 3] [--postgres SERVER] [--data DIR]</c>:
/// the issue 13 start-up figures. Fills one tenant's log with the ops devices make (creates, then
/// priority, description and status churn, time entries added and removed), written straight into the
/// store, then starts <c>serve</c> on it <c>--runs</c> times: time from process start to health
/// SERVING (and the relay's CPU seconds by then, steadier than wall time on a shared machine), and peak resident memory (VmHWM) once serving; each run is stopped with SIGTERM, so the
/// first start replays the whole log and the later ones start from the checkpoint it wrote at shutdown.
/// With <c>--data DIR</c> the SQLite folder is kept (and measured as it is when it already holds a store).
/// </summary>
internal static class StartupBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        int ops = 1_000_000, orders = 20_000, devices = 200, runs = 3;
        string? postgres = null, data = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--ops": ops = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--orders": orders = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--devices": devices = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--postgres": postgres = args[i + 1]; break;
                case "--data": data = args[i + 1]; break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}");
        var folder = data ?? Directory.CreateTempSubdirectory("crdt-startup-bench-").FullName;
        LoadDatabase? database = postgres is null ? null : await LoadDatabase.CreateAsync(postgres, CancellationToken.None);
        try
        {
            if (!File.Exists(SqliteRelayStore.DatabasePath(folder)) || database is not null)
            {
                var fill = Stopwatch.StartNew();
                await using IRelayStore store = database is null
                    ? SqliteRelayStore.Open(folder, durableCommits: false)
                    : await PostgresRelayStore.OpenAsync(database.ConnectionString);
                await FillAsync(store, ops, orders, devices);
                Console.WriteLine($"filled {ops:N0} ops over {orders:N0} orders by {devices} devices in {fill.Elapsed.TotalSeconds:F1} s ({(database is null ? "SQLite" : "PostgreSQL")})");
            }
            if (database is null)
            {
                var path = SqliteRelayStore.DatabasePath(folder);
                Console.WriteLine($"store on disk: {new[] { path, path + "-wal" }.Where(File.Exists).Sum(p => new FileInfo(p).Length) / 1e6:F0} MB");
            }
            for (var run = 1; run <= runs; run++)
            {
                var (seconds, cpu, peakRss, stopSeconds) = await MeasureAsync(folder, database?.ConnectionString);
                Console.WriteLine($"run {run}: SERVING after {seconds:F2} s ({cpu:F2} s relay CPU), peak RSS {peakRss / (1024.0 * 1024):F0} MiB; stopped (SIGTERM) in {stopSeconds:F1} s; " +
                    $"load average {File.ReadAllText("/proc/loadavg").Trim()}");
            }
            return 0;
        }
        finally
        {
            if (database is not null) await database.DisposeAsync();
            if (data is null)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>Starts serve on the data, waits for health SERVING, reads VmHWM, stops it gracefully.</summary>
    private static async Task<(double Seconds, double CpuSeconds, long PeakRss, double StopSeconds)> MeasureAsync(string folder, string? postgres)
    {
        var relayDll = Path.Combine(AppContext.BaseDirectory, "Crdt.Relay.dll");
        var start = DotnetProcess.StartInfo(relayDll, ["serve", "--data", folder, "--listen", "127.0.0.1:0", "--web-listen", "none"],
            postgres is null ? null : new Dictionary<string, string> { ["CRDT_RELAY_POSTGRES"] = postgres });
        var clock = Stopwatch.StartNew();
        var relay = await RelayServeProcess.StartAsync(start, TimeSpan.FromMinutes(5));
        try
        {
            using var channel = GrpcChannel.ForAddress(relay.Address);
            var health = new Health.HealthClient(channel);
            while ((await health.CheckAsync(new HealthCheckRequest())).Status != HealthCheckResponse.Types.ServingStatus.Serving)
            {
                await Task.Delay(10);
            }
            var seconds = clock.Elapsed.TotalSeconds;
            var cpu = relay.CpuSeconds();
            var line = File.ReadLines($"/proc/{relay.Pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            var peak = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            var stop = Stopwatch.StartNew();
            await relay.StopAsync(TimeSpan.FromMinutes(2));
            return (seconds, cpu, peak, stop.Elapsed.TotalSeconds);
        }
        finally
        {
            await relay.DisposeAsync();
        }
    }

    /// <summary>
    /// The tenant's ops as devices make them, stored as their pushes (2,000 ops per append). Orders are
    /// made in groups of 1,000, each group edited by every device from a fresh document set (editors carry
    /// their sequence and clock across groups), so filling a million ops does not hold them all in memory.
    /// </summary>
    private static async Task FillAsync(IRelayStore store, int opCount, int orders, int deviceCount)
    {
        const int GroupSize = 1_000;
        var random = new Random(13);
        var clocks = Enumerable.Range(0, deviceCount).Select(i => new HlcClock(new ReplicaId($"startup-device-{i}"))).ToArray();
        var next = Enumerable.Repeat(1L, deviceCount).ToArray();
        var wall = 1_760_000_000_000L;
        var batch = new List<OpRecord>(2_000);
        for (var first = 0; first < orders; first += GroupSize)
        {
            var count = Math.Min(GroupSize, orders - first);
            var groupOps = (int)((long)opCount * (first + count) / orders - (long)opCount * first / orders);
            var documents = new DocumentSet(SchemaRegistry.CreateDefault());
            var editors = Enumerable.Range(0, deviceCount).Select(i => new LocalEditor(clocks[i].Replica, documents, clocks[i], next[i])).ToArray();
            var entries = new List<string>?[count];
            var onHold = new bool[count];
            for (var n = 0; n < groupOps; n++)
            {
                var index = n < count ? n : random.Next(count);
                // Each order is edited by three devices (its technician, a colleague, a dispatcher), as in the field.
                var editor = editors[((first + index) * 7 + random.Next(3)) % deviceCount];
                var key = new DocumentKey(WorkOrderFields.Collection, $"wo-{first + index:D6}");
                wall += 1 + random.Next(20);
                Op op;
                if (n < count)
                {
                    op = editor.Create(key, "tech", wall, m => m.Set(WorkOrderFields.Title, $"Order {first + index}")
                        .Set(WorkOrderFields.Status, WorkOrderStatus.InProgress).Set(WorkOrderFields.Assignee, $"tech-{(first + index) % 50}"));
                }
                else
                {
                    var live = entries[index] ??= [];
                    op = random.Next(10) switch
                    {
                        < 3 => editor.Edit(key, "tech", wall, m => m.Set(WorkOrderFields.Priority, random.Next(2) == 0 ? "high" : "low")),
                        < 5 => editor.Edit(key, "tech", wall, m => m.Set(WorkOrderFields.Description, $"note {n}")),
                        // The workflow allows in_progress ⇄ on_hold.
                        < 6 => editor.Edit(key, "tech", wall, m => m.Set(WorkOrderFields.Status, (onHold[index] = !onHold[index]) ? WorkOrderStatus.OnHold : WorkOrderStatus.InProgress)),
                        < 8 => AddEntry(editor, key, wall, live, n),
                        _ when live.Count == 0 => AddEntry(editor, key, wall, live, n),
                        _ => RemoveEntry(editor, key, wall, live, random),
                    };
                }
                batch.Add(new OpRecord(op.Dot.Replica.Value, op.Dot.Seq, new StoreDocumentKey(key.Collection, key.Id), OpCodec.Encode(op)));
                if (batch.Count == 2_000)
                {
                    await store.AppendAsync("default", batch);
                    batch.Clear();
                }
            }
            for (var i = 0; i < deviceCount; i++)
            {
                next[i] = editors[i].NextSequence;
            }
        }
        if (batch.Count > 0)
        {
            await store.AppendAsync("default", batch);
        }
    }

    private static Op AddEntry(LocalEditor editor, DocumentKey key, long wall, List<string> live, int n)
    {
        var id = $"t{n}";
        live.Add(id);
        return editor.Edit(key, "tech", wall, m => m.Add(WorkOrderFields.TimeEntries, id, (TimeEntryFields.Hours, 0.5m)));
    }

    private static Op RemoveEntry(LocalEditor editor, DocumentKey key, long wall, List<string> live, Random random)
    {
        var at = random.Next(live.Count);
        var id = live[at];
        live.RemoveAt(at);
        return editor.Edit(key, "tech", wall, m => m.Remove(WorkOrderFields.TimeEntries, id));
    }
}
