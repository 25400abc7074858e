using Crdt.Core;
using Crdt.Replica.Internal.Sync;
using Crdt.Replica.Tests.Infrastructure;
using Wire = Crdt.Core.Wire;

namespace Crdt.Replica.Tests.Library;

/// <summary>
/// Guards that a replica compacting its real SQLite file at the horizon its pulls tell ends with exactly
/// the documents and flags of a replica that never compacted (issue 16, item 5). Three replicas edit
/// three work orders at random (concurrent rewrites of a review field, hours, entry notes, priorities,
/// the rare delete), sync at random through an in-process log that acknowledges as the relay does (a pull
/// acknowledges the cursor it starts from, once the device's pushes are held), and compact at random; some
/// reopen their file, and now and then one stays out of reach for a while, editing, while the others
/// compact. At the end every replica's documents and flags equal a set that applied the whole log and
/// never compacted. Each seed replays a case. With the horizon taken at the highest acknowledgement
/// instead of the lowest, edits concurrent with a delete are folded away and several seeds fail.
/// </summary>
public sealed class ReplicaCompactionProperties
{
    private static readonly string[] Orders = ["WO-P1", "WO-P2", "WO-P3"];
    private static readonly string[] Priorities = ["low", "normal", "high", "urgent"];

    /// <summary>The relay's log and acknowledgements, reduced to what the horizon needs.</summary>
    private sealed class Hub
    {
        public List<(string Replica, long Seq, byte[] Bytes)> Log { get; } = [];
        public Dictionary<string, int> Acks { get; } = [];
        private readonly HashSet<(string, long)> _held = [];

        public void Push(IEnumerable<Internal.Storage.StoredOp> ops)
        {
            foreach (var op in ops)
            {
                if (_held.Add((op.Replica, op.Seq)))
                {
                    Log.Add((op.Replica, op.Seq, op.Bytes));
                }
            }
        }

        /// <summary>Per replica the highest sequence at or below the lowest acknowledgement (each replica's ops arrive in order here).</summary>
        public Wire.VersionVector? Horizon(IEnumerable<string> devices)
        {
            var position = devices.Min(d => Acks.GetValueOrDefault(d));
            if (position == 0)
            {
                return null;
            }
            var stable = new VersionVector();
            foreach (var (replica, seq, _) in Log.Take(position))
            {
                stable.Observe(new ReplicaId(replica), seq);
            }
            return Wire.CoreMessages.ToMessage(stable);
        }
    }

    private sealed class Device(string path)
    {
        public string Path { get; } = path;
        public DeviceReplica Replica { get; set; } = null!;
        public int Cursor { get; set; }

        /// <summary>Until this step the device is out of reach: it edits but does not sync, while the others compact.</summary>
        public int OfflineUntil { get; set; }
    }

    /// <summary>Enough cases that an unsafe horizon (one a lagging replica has not reached) shows.</summary>
    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 16));

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Replicas_compacting_at_the_horizon_their_pulls_tell_equal_one_that_never_compacted(int seed)
    {
        using var directory = new TempDirectory();
        var random = new Random(seed);
        var hub = new Hub();
        var devices = new List<Device>();
        for (var i = 0; i < 3; i++)
        {
            var device = new Device(directory.File($"device-{i}.db"));
            device.Replica = await OpenAsync(device.Path);
            devices.Add(device);
        }
        try
        {
            foreach (var id in Orders)
            {
                await devices[0].Replica.Create(WorkOrderFields.Collection, id)
                    .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled).Set(WorkOrderFields.Title, "Pump " + id)
                    .Set(WorkOrderFields.Description, "as reported").SaveAsync();
            }
            var compacted = 0L;
            for (var step = 0; step < 250; step++)
            {
                var device = devices[random.Next(devices.Count)];
                var roll = random.Next(100);
                if (roll >= 50 && roll < 85 && device.OfflineUntil > step)
                {
                    // Out of reach: it keeps editing, concurrently with what the others fold away.
                    roll = 0;
                }
                if (roll < 2 && devices.All(other => other.OfflineUntil <= step))
                {
                    device.OfflineUntil = step + 20 + random.Next(40);
                }
                if (roll < 50)
                {
                    await EditAsync(device.Replica, random, step);
                }
                else if (roll < 85)
                {
                    await SyncAsync(device, hub, devices);
                }
                else if (roll < 95)
                {
                    var before = device.Replica.Store.OpCount();
                    await device.Replica.CompactAsync();
                    compacted += before - device.Replica.Store.OpCount();
                }
                else
                {
                    // Restart: the compacted file alone must carry everything.
                    await device.Replica.DisposeAsync();
                    device.Replica = await OpenAsync(device.Path);
                }
            }
            foreach (var device in devices.Concat(devices).Concat(devices))
            {
                await SyncAsync(device, hub, devices);
            }

            var never = new DocumentSet(SchemaRegistry.CreateDefault());
            foreach (var (_, _, bytes) in hub.Log)
            {
                never.Apply(OpCodec.Decode(bytes));
            }
            Assert.True(compacted > 0, $"seed {seed}: nothing was compacted, so nothing was checked");
            foreach (var id in Orders)
            {
                var key = new DocumentKey(WorkOrderFields.Collection, id);
                var expected = never.View(key)?.ToJson(true);
                var expectedFlags = FlagsText(never.Flags(key));
                foreach (var device in devices)
                {
                    Assert.True(expected == device.Replica.Get(key)?.ToJson(true), $"seed {seed}, {device.Replica.Id}, {id}:\nexpected {expected}\nactual   {device.Replica.Get(key)?.ToJson(true)}");
                    var actualFlags = FlagsText(device.Replica.Flags(includeResolved: true).Where(flag => flag.Document == key));
                    Assert.True(expectedFlags == actualFlags, $"seed {seed}, {device.Replica.Id}, {id} flags:\nexpected {expectedFlags}\nactual   {actualFlags}");
                }
            }
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.Replica.DisposeAsync();
            }
        }
    }

    /// <summary>What a person sees of a document's flags, in a stable order.</summary>
    private static string FlagsText(IEnumerable<Flag> flags) => string.Join("\n", flags
        .Select(flag => $"{flag.Id} {flag.Kind} {flag.Field}/{flag.ElementId} {flag.State} winner={flag.WinnerValue} loser={flag.LoserValue}")
        .Order(StringComparer.Ordinal));

    private static async Task<DeviceReplica> OpenAsync(string path)
    {
        var replica = await DeviceReplica.OpenAsync(path, new ReplicaOptions { StatusAuthority = StatusAuthority.Dispatch });
        // Compaction runs when the test says (CompactAsync), not by the automatic rule.
        replica.AutoCompactAfterStableOps = 0;
        return replica;
    }

    private static async Task EditAsync(DeviceReplica replica, Random random, int step)
    {
        var id = Orders[random.Next(Orders.Length)];
        var entries = replica.GetWorkOrder(id)?.TimeEntries ?? [];
        var edit = replica.EditWorkOrder(id);
        _ = random.Next(9) switch
        {
            // An entry's note rewritten, possibly concurrently with its removal elsewhere.
            7 when entries.Count > 0 => edit.SetElement(WorkOrderFields.TimeEntries, entries[random.Next(entries.Count)].Id, TimeEntryFields.Note, FieldValue.String($"note {step}")),
            // Rarely the order is deleted, possibly while an out-of-reach replica still edits it.
            8 when random.Next(5) == 0 => edit.Delete(),
            0 => edit.Set(WorkOrderFields.Priority, Priorities[random.Next(Priorities.Length)]),
            1 => edit.Set(WorkOrderFields.Description, $"words of {replica.Id} at {step}"),
            2 => edit.AddHours(0.5m * (1 + random.Next(4)), $"step {step}"),
            3 => edit.Complete(),
            4 => edit.Set(WorkOrderFields.Status, WorkOrderStatus.InProgress),
            5 when entries.Count > 0 => edit.Remove(WorkOrderFields.TimeEntries, entries[random.Next(entries.Count)].Id),
            _ => edit.Set(WorkOrderFields.Title, $"title {step}"),
        };
        try
        {
            await edit.SaveAsync();
        }
        catch (ValidationException)
        {
            // Not yet pulled here (or not allowed now): a person would not have made this edit.
        }
    }

    /// <summary>Push the outbox, then pull from the cursor (acknowledging it) and take the horizon told.</summary>
    private static async Task SyncAsync(Device device, Hub hub, List<Device> devices)
    {
        var replica = device.Replica;
        while (replica.OutboxBatch(string.Empty) is { Count: > 0 } batch)
        {
            hub.Push(batch);
            replica.Acknowledge(batch, string.Empty);
        }
        hub.Acks[replica.Id.Value] = device.Cursor;
        var received = new ReceivedBatch();
        foreach (var (_, _, bytes) in hub.Log.Skip(device.Cursor))
        {
            received.Add(new Wire.PullResponse { Op = Wire.Op.Parser.ParseFrom(bytes) });
        }
        await replica.ApplyReceivedAsync(received, null, null, CancellationToken.None);
        device.Cursor = hub.Log.Count;
        if (hub.Horizon(devices.Select(d => d.Replica.Id.Value)) is { } stable)
        {
            await replica.OnStableHorizonAsync(stable, CancellationToken.None);
        }
    }
}
