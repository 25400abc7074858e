using System.CommandLine;
using System.Diagnostics;
using Crdt.Core;
using Crdt.Relay;
using Crdt.Relay.Auth;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Sqlite;
using Crdt.Relay.Sync;
using Microsoft.Extensions.Logging.Abstractions;
using Wire = Crdt.Core.Wire;

namespace Crdt.Bench.RelayTarget;

/// <summary>
/// <c>relay-push [--devices D] [--edits E] [--batch B] [--reps R]</c>: the relay's push path alone, in
/// process, without Kestrel, gRPC or streams: parse a PushRequest from its bytes, then
/// <c>RelayEngine.PushAsync</c> (validate, check the ops' bytes are canonical, SQLite append without fsync, apply) for D technician
/// devices' offline edits, made as the load harness makes them. Prints process CPU and bytes allocated
/// per op stored, figures a loaded machine does not move much (allocations not at all); under
/// <c>DOTNET_TieredCompilation=0 valgrind --tool=callgrind</c>, runs with two --reps values differ by
/// the instructions of that many rounds. A warm-up tenant is pushed first, so JIT stays out.
/// </summary>
internal static class PushPathFigures
{
    private static readonly string[] Priorities = ["low", "normal", "high", "urgent"];

    public static Command Create()
    {
        var devices = new Option<int>("--devices") { DefaultValueFactory = _ => 100, Description = "Technician devices per round." };
        var edits = new Option<int>("--edits") { DefaultValueFactory = _ => 500, Description = "Offline edits per device." };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 250, Description = "Ops per push." };
        var reps = new Option<int>("--reps") { DefaultValueFactory = _ => 1, Description = "Rounds measured (each its own tenant)." };
        var command = new Command("relay-push", "CPU and allocations per op of the relay's push path, in process (issue 11).") { devices, edits, batch, reps };
        command.SetAction(parsed => RunAsync(parsed.GetValue(devices), parsed.GetValue(edits), parsed.GetValue(batch), parsed.GetValue(reps)).GetAwaiter().GetResult());
        return command;
    }

    private static async Task<int> RunAsync(int deviceCount, int edits, int batch, int reps)
    {
        var folder = Directory.CreateTempSubdirectory("crdt-relay-push-bench-").FullName;
        try
        {
            var options = new RelayOptions { DataDirectory = folder, DurableCommits = false, DevicePollInterval = TimeSpan.FromHours(1) };
            var store = SqliteRelayStore.Open(folder, durableCommits: false);
            await using var engine = await RelayEngine.OpenAsync(options, store, NullLoggerFactory.Instance, CancellationToken.None);

            await PushRoundAsync(engine, "warmup", Math.Min(deviceCount, 4), edits, batch);
            var rounds = Enumerable.Range(0, reps).Select(r => MakeRound($"t{r}", deviceCount, edits, batch)).ToList();
            GC.Collect();
            // A profiler attached by pid (bench/profile/push-path-perf.sh) samples from this line to "measured".
            Console.WriteLine($"pid {Environment.ProcessId} measuring");
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var wall = Stopwatch.StartNew();
            long stored = 0;
            foreach (var round in rounds)
            {
                stored += await PushAsync(engine, round);
            }
            wall.Stop();
            Console.WriteLine("measured");
            var cpuUs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds;
            var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            Console.WriteLine($"relay push path: {reps} x {deviceCount} devices x {edits} edits, pushes of {batch}: {stored} ops stored");
            Console.WriteLine($"  CPU {cpuUs / stored:F2} us/op ({cpuUs / 1e6:F2} s), wall {wall.Elapsed.TotalSeconds:F2} s, " +
                $"allocated {bytes / (double)stored:F0} B/op, GCs gen0/1/2 {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}; " +
                $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, {Environment.ProcessorCount} cores");
            // Per push as well: with small pushes (the load harness's steady phase, --batch 6) what a push
            // costs whatever its size (transaction, statements, locks, tasks) is what the serial path pays.
            var pushCount = rounds.Sum(r => r.Count);
            Console.WriteLine($"  per push ({pushCount} pushes): CPU {cpuUs / pushCount:F1} us, allocated {bytes / (double)pushCount:F0} B");
            Console.WriteLine(PushPathStages.Describe(rounds[0].Select(p => p.Request).ToList()));
            Console.WriteLine(PushPathStageTimes.Describe(rounds[0].Select(p => p.Request).ToList()));
            return stored == (long)reps * deviceCount * edits ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed record Push(CallerIdentity Caller, byte[] Request);

    private static async Task<long> PushRoundAsync(RelayEngine engine, string tenant, int devices, int edits, int batch) =>
        await PushAsync(engine, MakeRound(tenant, devices, edits, batch));

    /// <summary>The devices' pushes interleaved as a burst has them: every device's first batch, then every second one.</summary>
    private static List<Push> MakeRound(string tenant, int devices, int edits, int batch)
    {
        var perDevice = Enumerable.Range(0, devices).Select(d => DevicePushes(tenant, $"tech-{d}", edits, batch, seed: 1000 + d)).ToList();
        var pushes = new List<Push>();
        for (var i = 0; perDevice.Any(p => i < p.Count); i++)
        {
            pushes.AddRange(perDevice.Where(p => i < p.Count).Select(p => p[i]));
        }
        return pushes;
    }

    private static async Task<long> PushAsync(RelayEngine engine, List<Push> pushes)
    {
        long stored = 0;
        foreach (var push in pushes)
        {
            // As the relay's Sync.Push reads it (Services.SyncBinding): each op's bytes kept, stored as sent when canonical.
            var request = Wire.PushRequest.ParseKeepingOpBytes(new System.Buffers.ReadOnlySequence<byte>(push.Request));
            var response = await engine.PushAsync(push.Caller, request, replicaKey: null, CancellationToken.None);
            stored += response.Stored;
        }
        return stored;
    }

    /// <summary>A technician's offline edits as the load harness's devices make them (creates of five
    /// orders assigned to itself, then field sets, time entries and notes), in encoded push requests.</summary>
    private static List<Push> DevicePushes(string tenant, string name, int edits, int batch, int seed)
    {
        var caller = new CallerIdentity(tenant, name, DeviceRoleKind.Technician);
        var editor = new LocalEditor(new ReplicaId($"replica-{tenant}-{name}"), new DocumentSet(SchemaRegistry.CreateDefault()));
        var random = new Random(seed);
        var keys = new List<DocumentKey>();
        var outbox = new List<byte[]>();
        for (var i = 0; i < edits; i++)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Op op;
            if (keys.Count < 5)
            {
                var key = new DocumentKey(WorkOrderFields.Collection, $"{name}-wo-{keys.Count}");
                keys.Add(key);
                op = editor.Create(key, name, now, b => b
                    .Set(WorkOrderFields.Title, $"Service visit {keys.Count} for {name}")
                    .Set(WorkOrderFields.Status, WorkOrderStatus.Open)
                    .Set(WorkOrderFields.Assignee, name));
            }
            else
            {
                var key = keys[random.Next(keys.Count)];
                var kind = random.Next(10);
                op = editor.Edit(key, name, now, b =>
                {
                    switch (kind)
                    {
                        case < 3: b.Set(WorkOrderFields.Priority, Priorities[random.Next(Priorities.Length)]); break;
                        case < 5: b.Set(WorkOrderFields.Description, $"Checked unit, reading {random.Next(1000)}"); break;
                        case < 6: b.Set(WorkOrderFields.Address, $"{random.Next(1, 999)} Main Street"); break;
                        case < 8:
                            b.Add(WorkOrderFields.TimeEntries, $"{name}-te-{i}",
                                (TimeEntryFields.Hours, FieldValue.Decimal(random.Next(1, 32) / 4m)),
                                (TimeEntryFields.Tech, FieldValue.String(name)),
                                (TimeEntryFields.Note, FieldValue.String("on site")));
                            break;
                        default:
                            b.Add(WorkOrderFields.Notes, $"{name}-note-{i}",
                                (NoteFields.Text, FieldValue.String($"Customer asked about item {random.Next(100)}")),
                                (NoteFields.Author, FieldValue.String(name)));
                            break;
                    }
                });
            }
            outbox.Add(OpCodec.Encode(op));
        }
        var pushes = new List<Push>();
        for (var start = 0; start < outbox.Count; start += batch)
        {
            var request = Wire.PushRequest.OfEncodedOps(outbox.GetRange(start, Math.Min(batch, outbox.Count - start)));
            pushes.Add(new Push(caller, Google.Protobuf.MessageExtensions.ToByteArray(request)));
        }
        return pushes;
    }
}
