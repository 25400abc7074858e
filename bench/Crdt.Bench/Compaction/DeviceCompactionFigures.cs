using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Crdt.Core;
using Crdt.Replica;
using Crdt.Replica.Internal.Storage;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Bench.Compaction;

/// <summary>
/// <c>device-compaction [--orders N] [--ops M] [--json FILE]</c>: the device figure of issue 16 (a device
/// file ≤ 2 × its live documents' snapshot bytes after compaction). One replica file makes M edits over N
/// work orders (priority and title churn, description rewrites, time entries), the relay's acknowledgement
/// of all of them is simulated (outbox emptied, a stable horizon covering them stored as a pull would), and
/// <see cref="DeviceReplica.CompactAsync"/> runs. Reported: op log rows, file bytes (after a WAL checkpoint)
/// and the documents' snapshot bytes, before and after, and whether every document reads the same.
/// </summary>
internal static class DeviceCompactionFigures
{
    public static Command Create()
    {
        var orders = new Option<int>("--orders") { DefaultValueFactory = _ => 200, Description = "Work orders on the device." };
        var ops = new Option<int>("--ops") { DefaultValueFactory = _ => 20_000, Description = "Edits (one op each) made on the device." };
        var json = new Option<string?>("--json") { Description = "Also write the figures to this JSON file." };
        var command = new Command("device-compaction", "A device's file size before and after compaction (issue 16 device figure).") { orders, ops, json };
        command.SetAction(parsed => RunAsync(parsed.GetValue(orders), parsed.GetValue(ops), parsed.GetValue(json)).GetAwaiter().GetResult());
        return command;
    }

    private static async Task<int> RunAsync(int orders, int opCount, string? jsonPath)
    {
        var folder = Directory.CreateTempSubdirectory("crdt-device-compaction-bench-").FullName;
        try
        {
            var path = Path.Combine(folder, "device.db");
            await using var replica = await DeviceReplica.OpenAsync(path);
            replica.AutoCompactAfterStableOps = 0;
            var fill = Stopwatch.StartNew();
            await FillAsync(replica, orders, opCount);
            Console.WriteLine($"made {opCount} edits over {orders} orders in {fill.Elapsed.TotalSeconds:F1} s (load average {LoadAverage()})");

            AcknowledgeEverything(replica);
            var viewsBefore = Views(replica);
            var before = Measure(replica, path);
            var compact = Stopwatch.StartNew();
            var done = await replica.CompactAsync();
            var compactSeconds = compact.Elapsed.TotalSeconds;
            var after = Measure(replica, path);
            var same = viewsBefore.SequenceEqual(Views(replica));
            var ratio = (double)after.FileBytes / after.SnapshotBytes;
            Console.WriteLine($"before: {JsonSerializer.Serialize(before)}");
            Console.WriteLine($"after:  {JsonSerializer.Serialize(after)} ({compactSeconds:F1} s)");
            Console.WriteLine($"file / live snapshot bytes after: {ratio:F2} (target <= 2); documents unchanged: {same}; {done}");
            if (jsonPath is not null)
            {
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(new
                {
                    orders,
                    ops = opCount,
                    before,
                    after,
                    compactSeconds,
                    fileToSnapshotRatio = ratio,
                    documentsUnchanged = same,
                    loadAverage = LoadAverage(),
                }, new JsonSerializerOptions { WriteIndented = true }));
            }
            return same && ratio <= 2 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task FillAsync(DeviceReplica replica, int orders, int opCount)
    {
        var random = new Random(16);
        for (var i = 0; i < orders; i++)
        {
            await replica.Create(WorkOrderFields.Collection, $"WO-{i:D5}")
                .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled).Set(WorkOrderFields.Title, $"Pump {i}")
                .Set(WorkOrderFields.Description, "as reported by the customer").SaveAsync();
        }
        string[] priorities = ["low", "normal", "high", "urgent"];
        for (var i = orders; i < opCount; i++)
        {
            var edit = replica.EditWorkOrder($"WO-{random.Next(orders):D5}");
            var roll = random.Next(100);
            _ = roll switch
            {
                < 40 => edit.Set(WorkOrderFields.Priority, priorities[random.Next(priorities.Length)]),
                < 70 => edit.Set(WorkOrderFields.Description, $"rewritten at step {i}: the pump hums, the seal leaks, parts on order"),
                < 80 => edit.AddHours(0.25m * (1 + random.Next(8)), $"visit {i}"),
                _ => edit.Set(WorkOrderFields.Title, $"Pump check {i}"),
            };
            await edit.SaveAsync();
        }
    }

    /// <summary>What a relay's acknowledgement and a pull's horizon would do: the outbox emptied, a horizon covering every op stored.</summary>
    private static void AcknowledgeEverything(DeviceReplica replica)
    {
        while (replica.Store.OutboxBatch(string.Empty, 10_000, long.MaxValue) is { Count: > 0 } batch)
        {
            replica.Store.Acknowledge(batch);
        }
        var stable = new VersionVector();
        stable.Observe(replica.Id, replica.Store.LastLocalSeq(replica.Id.Value));
        replica.Store.SetSetting(SettingKeys.StableHorizon, Convert.ToBase64String(Wire.CoreMessages.ToMessage(stable).ToByteArray()));
    }

    private static List<string> Views(DeviceReplica replica) =>
        replica.Query(WorkOrderFields.Collection).Select(view => view.ToJson(true)).ToList();

    private static Figures Measure(DeviceReplica replica, string path)
    {
        replica.Store.Checkpoint();
        return new Figures(replica.Store.OpCount(), new FileInfo(path).Length, replica.Store.LoadDocuments().Sum(d => (long)d.Snapshot.Length));
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private sealed record Figures(long OpLogRows, long FileBytes, long SnapshotBytes);
}
