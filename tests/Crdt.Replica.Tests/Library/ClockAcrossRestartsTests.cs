using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;
using Wire = Crdt.Core.Wire;

namespace Crdt.Replica.Tests.Library;

/// <summary>
/// The replica keeps no per-edit record of its sequence and clock: both come from the op log on
/// open. Guards that neither runs backwards after a restart, even when the wall clock stepped
/// back, and even after the newest ops left the log with their document.
/// </summary>
public sealed class ClockAcrossRestartsTests
{
    private sealed class SettableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly DateTimeOffset Noon = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Every op in the file with its sequence and stamp, read as the relay would receive them.</summary>
    private static List<Wire.Op> Ops(DeviceReplica replica) =>
        replica.Store.AllOps().Select(op => Wire.Op.Parser.ParseFrom(op.Bytes)).Where(op => op.Dot.Replica == replica.Id.Value).ToList();

    private static (long Wall, uint Counter) Stamp(Wire.Op op) => (op.Hlc.WallMs, op.Hlc.Counter);

    private static DocumentEdit NewOrder(DeviceReplica replica, string id, string title) =>
        replica.Create(WorkOrderFields.Collection, id).Set(WorkOrderFields.Status, WorkOrderStatus.Open).Set(WorkOrderFields.Title, title);

    [Fact]
    public async Task After_a_restart_with_the_wall_clock_set_back_new_ops_follow_the_old_ones()
    {
        using var dir = new TempDirectory();
        var path = dir.File("r.db");
        var time = new SettableTime(Noon);
        (long, uint) lastStamp;
        await using (var replica = await DeviceReplica.OpenAsync(path, new ReplicaOptions { TimeProvider = time }))
        {
            await NewOrder(replica, "WO-1", "Pump").SaveAsync();
            await replica.EditWorkOrder("WO-1").Set(WorkOrderFields.Title, "Pump seal").SaveAsync();
            lastStamp = Ops(replica).Select(Stamp).Max();
        }

        time.Now = Noon.AddHours(-1);
        await using var reopened = await DeviceReplica.OpenAsync(path, new ReplicaOptions { TimeProvider = time });
        await reopened.EditWorkOrder("WO-1").Set(WorkOrderFields.Title, "Pump seal and gasket").SaveAsync();

        var newest = Ops(reopened).MaxBy(op => op.Dot.Seq)!;
        Assert.Equal(3UL, newest.Dot.Seq);
        Assert.True(Stamp(newest).CompareTo(lastStamp) > 0, $"stamp {Stamp(newest)} does not follow {lastStamp}");
        Assert.Equal("Pump seal and gasket", reopened.GetWorkOrder("WO-1")!.Title);
    }

    [Fact]
    public async Task When_the_newest_ops_leave_the_log_their_sequence_and_stamp_are_set_aside()
    {
        using var dir = new TempDirectory();
        var path = dir.File("r.db");
        var time = new SettableTime(Noon);
        (long, uint) lastStamp;
        await using (var replica = await DeviceReplica.OpenAsync(path, new ReplicaOptions { TimeProvider = time }))
        {
            await NewOrder(replica, "WO-1", "Stays").SaveAsync();
            await NewOrder(replica, "WO-2", "Leaves").SaveAsync();
            lastStamp = Ops(replica).Select(Stamp).Max();
            // The relay took every op, then WO-2 (holding the newest op) left the device's scope.
            replica.Store.Acknowledge(replica.Store.OutboxBatch(string.Empty, 100, long.MaxValue));
            Assert.Equal([("WorkOrder", "WO-2")], replica.Store.LeaveScope([("WorkOrder", "WO-2")]));
            Assert.Equal(1, replica.Store.OpCount());
        }

        time.Now = Noon.AddHours(-1);
        await using var reopened = await DeviceReplica.OpenAsync(path, new ReplicaOptions { TimeProvider = time });
        await reopened.EditWorkOrder("WO-1").Set(WorkOrderFields.Title, "Still here").SaveAsync();

        var newest = Ops(reopened).MaxBy(op => op.Dot.Seq)!;
        Assert.Equal(3UL, newest.Dot.Seq);
        Assert.True(Stamp(newest).CompareTo(lastStamp) > 0, $"stamp {Stamp(newest)} does not follow {lastStamp}");
    }
}
