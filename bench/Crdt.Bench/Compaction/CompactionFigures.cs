using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Crdt.Core;
using Crdt.Relay;
using Crdt.Relay.Cli;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Sqlite;
using Microsoft.Extensions.Logging;

namespace Crdt.Bench.Compaction;

/// <summary>
/// <c>compaction [--orders N] [--ops M] [--devices D] [--json FILE]</c>: the issue 16 figures. One tenant
/// with N work orders and M ops (status, priority and description churn, time entries added and removed),
/// stored in a relay's SQLite store as D devices' pushes, every device caught up and acknowledged; then
/// relay start-up time, managed heap after start-up and log size on disk, before and after
/// <c>compact --data DIR</c>.
/// </summary>
internal static class CompactionFigures
{
    public static Command Create()
    {
        var orders = new Option<int>("--orders") { DefaultValueFactory = _ => 1_000, Description = "Work orders in the tenant." };
        var ops = new Option<int>("--ops") { DefaultValueFactory = _ => 1_000_000, Description = "Ops in the tenant's log." };
        var devices = new Option<int>("--devices") { DefaultValueFactory = _ => 20, Description = "Devices (replicas) making the ops; all acknowledge everything." };
        var json = new Option<string?>("--json") { Description = "Also write the figures to this JSON file." };
        var command = new Command("compaction", "Relay start-up, memory and log size before and after compaction (issue 16 figures).") { orders, ops, devices, json };
        command.SetAction(parsed => RunAsync(parsed.GetValue(orders), parsed.GetValue(ops), parsed.GetValue(devices), parsed.GetValue(json)).GetAwaiter().GetResult());
        return command;
    }

    private static async Task<int> RunAsync(int orders, int opCount, int deviceCount, string? jsonPath)
    {
        var folder = Directory.CreateTempSubdirectory("crdt-compaction-bench-").FullName;
        try
        {
            var fill = Stopwatch.StartNew();
            await FillAsync(folder, orders, opCount, deviceCount);
            Console.WriteLine($"filled {opCount} ops over {orders} orders by {deviceCount} devices in {fill.Elapsed.TotalSeconds:F1} s");

            var before = await MeasureAsync(folder);
            Console.WriteLine($"before: {JsonSerializer.Serialize(before)}");
            var output = new StringWriter();
            var compact = Stopwatch.StartNew();
            var exit = await RelayCli.RunAsync(["compact", "--data", folder, "--json"], output, Console.Error);
            var compactSeconds = compact.Elapsed.TotalSeconds;
            Console.WriteLine($"compact (exit {exit}, {compactSeconds:F1} s): {output.ToString().Trim()}");
            var after = await MeasureAsync(folder);
            Console.WriteLine($"after:  {JsonSerializer.Serialize(after)}");
            if (jsonPath is not null)
            {
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(new
                {
                    orders,
                    ops = opCount,
                    devices = deviceCount,
                    before,
                    after,
                    compactSeconds,
                    cli = JsonDocument.Parse(output.ToString()).RootElement,
                    machine = new { Environment.ProcessorCount, os = Environment.OSVersion.ToString() },
                }, new JsonSerializerOptions { WriteIndented = true }));
            }
            return exit;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed record Figures(double StartSeconds, long ManagedHeapBytes, long StoreBytes, long LogOps);

    /// <summary>Starts a relay on the folder (start-up loads the tenant), measures, stops it.</summary>
    private static async Task<Figures> MeasureAsync(string folder)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var started = Stopwatch.StartNew();
        await using var relay = await RelayHost.StartAsync(new RelayOptions
        {
            DataDirectory = folder,
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            DurableCommits = false,
            ConfigureLogging = logging => logging.SetMinimumLevel(LogLevel.Critical),
        });
        var startSeconds = started.Elapsed.TotalSeconds;
        var heap = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        long logOps = 0;
        for (long cursor = 0; ;)
        {
            var page = await relay.Store.ReadLogAsync("default", cursor, 50_000);
            if (page.Count == 0) break;
            logOps += page.Count;
            cursor = page[^1].Position;
        }
        var path = SqliteRelayStore.DatabasePath(folder);
        var bytes = new[] { path, path + "-wal" }.Where(File.Exists).Sum(p => new FileInfo(p).Length);
        return new Figures(startSeconds, heap, bytes, logOps);
    }

    /// <summary>The tenant's ops, made as devices make them, stored as their pushes; every device then acknowledges the head.</summary>
    private static async Task FillAsync(string folder, int orders, int opCount, int deviceCount)
    {
        var random = new Random(16);
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        var editors = Enumerable.Range(0, deviceCount).Select(i => new LocalEditor(new ReplicaId($"bench-device-{i}"), documents)).ToArray();
        var entries = new List<string>?[orders];
        // Status churn follows the WorkOrder workflow (open → in_progress ⇄ on_hold), which refuses other steps.
        var onHold = new bool?[orders];
        var wall = 1_760_000_000_000L;
        await using var store = SqliteRelayStore.Open(folder, durableCommits: false);
        for (var i = 0; i < deviceCount; i++)
        {
            await store.AddDeviceAsync(new NewDevice("default", $"device-{i}", DeviceRoleKind.Dispatcher, System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)), DateTimeOffset.UtcNow));
        }
        var batch = new List<OpRecord>(2_000);
        async Task FlushAsync()
        {
            if (batch.Count == 0) return;
            await store.AppendAsync("default", batch);
            batch.Clear();
        }
        for (var n = 0; n < opCount; n++)
        {
            var editor = editors[random.Next(deviceCount)];
            var index = n < orders ? n : random.Next(orders);
            var key = new DocumentKey(WorkOrderFields.Collection, $"wo-{index:D5}");
            wall += 1 + random.Next(200);
            Op op;
            if (n < orders)
            {
                op = editor.Create(key, "tech", wall, m => m.Set(WorkOrderFields.Title, $"Order {index}").Set(WorkOrderFields.Status, WorkOrderStatus.Open).Set(WorkOrderFields.Assignee, "tech"));
            }
            else
            {
                var live = entries[index] ??= [];
                var kind = random.Next(10);
                op = kind switch
                {
                    < 3 => editor.Edit(key, "tech", wall, m => m.Set(WorkOrderFields.Priority, random.Next(2) == 0 ? "high" : "low")),
                    < 5 => editor.Edit(key, "tech", wall, m => m.Set(WorkOrderFields.Description, $"note {n}")),
                    < 6 => editor.Edit(key, "tech", wall, m => m.Set(WorkOrderFields.Status, (onHold[index] = onHold[index] is false) is true ? WorkOrderStatus.OnHold : WorkOrderStatus.InProgress)),
                    < 8 => AddEntry(editor, key, wall, live, n),
                    _ => live.Count == 0 ? AddEntry(editor, key, wall, live, n) : RemoveEntry(editor, key, wall, live, random),
                };
            }
            batch.Add(new OpRecord(op.Dot.Replica.Value, op.Dot.Seq, new StoreDocumentKey(key.Collection, key.Id), OpCodec.Encode(op)));
            if (batch.Count == 2_000) await FlushAsync();
        }
        await FlushAsync();
        var head = await store.GetHeadAsync("default");
        for (var i = 0; i < deviceCount; i++)
        {
            await store.RecordAcknowledgementAsync("default", $"device-{i}", head, editors[i].Replica.Value, editors[i].NextSequence - 1, DateTimeOffset.UtcNow);
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
