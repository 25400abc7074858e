using Crdt.Core;
using Crdt.Replica.Internal.Documents;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.Library;

/// <summary>
/// Issue 18: a local edit writes its op and re-encodes its document's snapshot only every
/// <see cref="DocumentMemory.SnapshotEveryOps"/> ops; the own ops above a snapshot (its tail) are
/// replayed on load. Guards that nothing committed is lost when the process ends without closing
/// (the snapshot behind), that every way of loading replays the tail, and that ops from elsewhere
/// and a clean close leave the snapshot current.
/// </summary>
public sealed class SnapshotTailTests
{
    private const string Order = "WO-1";

    private static Task CreateOrderAsync(DeviceReplica replica, string id) =>
        replica.Create(WorkOrderFields.Collection, id)
            .Set(WorkOrderFields.Status, WorkOrderStatus.Open)
            .Set(WorkOrderFields.Title, "Pump service " + id)
            .SaveAsync();

    private static Task AddEntryAsync(DeviceReplica replica, string id, int n) =>
        replica.EditWorkOrder(id).Add(WorkOrderFields.TimeEntries, $"e{n}",
            (TimeEntryFields.Hours, FieldValue.Decimal(0.25m)), (TimeEntryFields.Note, FieldValue.String($"edit {n}"))).SaveAsync();

    private static string Json(DeviceReplica replica, string id) =>
        replica.Get(WorkOrderFields.Collection, id)!.ToJson(includeTotalsAndFlags: true);

    [Fact]
    public async Task Edits_of_a_replica_never_closed_are_all_there_when_the_file_is_opened_again()
    {
        using var dir = new TempDirectory();
        var path = dir.File("r.db");
        var edits = 2 * DocumentMemory.SnapshotEveryOps + 7;
        // Never disposed until the end: what it committed is all another open may find.
        var abandoned = await DeviceReplica.OpenAsync(path);
        try
        {
            await CreateOrderAsync(abandoned, Order);
            await CreateOrderAsync(abandoned, "WO-2");
            for (var n = 1; n <= edits; n++)
            {
                await AddEntryAsync(abandoned, Order, n);
            }
            await abandoned.EditWorkOrder("WO-2").Set(WorkOrderFields.Priority, "high").SaveAsync();
            var expected = Json(abandoned, Order);
            var expectedSecond = Json(abandoned, "WO-2");

            // The snapshots are behind: 7 entries of WO-1 and WO-2's priority wait in the op log alone.
            Assert.Equal(8, abandoned.Store.TailOpCount());

            // Both opened before either closes (a close writes the snapshots that waited).
            await using var reopened = await DeviceReplica.OpenAsync(path);
            await using var listed = await DeviceReplica.OpenAsync(path);

            // One document at a time (its tail read with it).
            var order = reopened.GetWorkOrder(Order)!;
            Assert.Equal(Enumerable.Range(1, edits).Select(n => $"e{n}").Order(), order.TimeEntries.Select(e => e.Id).Order());
            Assert.Equal(edits * 0.25m, order.TotalHours);
            Assert.Equal(expected, order.View.ToJson(includeTotalsAndFlags: true));
            Assert.Equal("high", reopened.GetWorkOrder("WO-2")!.Priority);
            Assert.Equal(expectedSecond, Json(reopened, "WO-2"));
            // A whole collection (one query for every tail).
            Assert.Equal(8, listed.Store.TailOpCount());
            var orders = listed.WorkOrders().ToDictionary(o => o.View.Key.Id);
            Assert.Equal(expected, orders[Order].View.ToJson(includeTotalsAndFlags: true));
            Assert.Equal(expectedSecond, orders["WO-2"].View.ToJson(includeTotalsAndFlags: true));
            // Editing on top of the replayed tail goes on with the next sequence.
            await AddEntryAsync(reopened, Order, edits + 1);
            Assert.Equal(edits + 4, reopened.Store.OutboxDots().Select(d => d.Seq).Distinct().Count());
            Assert.Equal(9, reopened.Store.TailOpCount());
        }
        finally
        {
            abandoned.Dispose();
        }
    }

    [Fact]
    public async Task A_child_process_killed_mid_edits_loses_no_edit_it_reported_saved()
    {
        using var dir = new TempDirectory();
        var path = dir.File("kill.db");
        var confirmed = new HashSet<string>();
        long tailsSeen = 0;
        // Killed at once after the 40th to 70th report: the tail is then rarely empty, and three
        // rounds make an empty tail each time (1 in 32 each) practically impossible.
        var random = new Random(18);
        for (var round = 0; round < 3; round++)
        {
            var killAfter = random.Next(40, 70);
            using var child = ProcessRunner.Start(RepoPaths.FieldAppDll, ["--db", path, "stress-edits", "WO-K", "100000"]);
            var stderr = child.StandardError.ReadToEndAsync();
            var reported = 0;
            string? line;
            while ((line = await child.StandardOutput.ReadLineAsync()) is not null)
            {
                if (line.StartsWith("saved ", StringComparison.Ordinal))
                {
                    confirmed.Add(line["saved ".Length..]);
                    if (++reported == killAfter)
                    {
                        child.Kill(entireProcessTree: true);
                    }
                }
            }
            await child.WaitForExitAsync();
            Assert.True(reported >= killAfter, $"round {round}: the child stopped after {reported} edits: {await stderr}");

            await using var reopened = await DeviceReplica.OpenAsync(path);
            tailsSeen += reopened.Store.TailOpCount();
            var present = reopened.GetWorkOrder("WO-K")!.TimeEntries.Select(e => e.Id).ToHashSet();
            Assert.Empty(confirmed.Except(present));
            // Every op in the log is in the document: the create and one entry each.
            Assert.Equal(reopened.Store.OpCount(), present.Count + 1);
        }
        Assert.True(tailsSeen > 0, "no round ended with a snapshot behind its ops, so the tail was not exercised");
    }

    [Fact]
    public async Task Ops_from_another_device_between_local_edits_keep_every_edit_after_an_unclean_end()
    {
        using var dir = new TempDirectory();
        var path = dir.File("b.db");
        await using var other = await DeviceReplica.OpenAsync(dir.File("a.db"));
        await CreateOrderAsync(other, Order);
        var here = await DeviceReplica.OpenAsync(path);
        try
        {
            foreach (var message in other.OutboxPushMessages())
            {
                await here.ApplyPushMessageAsync(message);
            }
            for (var n = 1; n <= 5; n++)
            {
                await AddEntryAsync(here, Order, n);
            }
            // The other device's edit arrives while five local ops wait above the snapshot: the
            // snapshot written with it holds them too.
            await other.EditWorkOrder(Order).Set(WorkOrderFields.Priority, "high").SaveAsync();
            // The other device's outbox holds both its ops: the create comes again and is skipped.
            foreach (var message in other.OutboxPushMessages())
            {
                await here.ApplyPushMessageAsync(message);
            }
            Assert.Equal(0, here.Store.TailOpCount());
            for (var n = 6; n <= 9; n++)
            {
                await AddEntryAsync(here, Order, n);
            }
            Assert.Equal(4, here.Store.TailOpCount());
            var expected = Json(here, Order);

            await using var reopened = await DeviceReplica.OpenAsync(path);
            Assert.Equal(expected, Json(reopened, Order));
            Assert.Equal(9, reopened.GetWorkOrder(Order)!.TimeEntries.Count);
            Assert.Equal("high", reopened.GetWorkOrder(Order)!.Priority);
        }
        finally
        {
            here.Dispose();
        }
    }

    [Fact]
    public async Task A_clean_close_and_a_backup_write_the_snapshots_that_waited()
    {
        using var dir = new TempDirectory();
        var path = dir.File("r.db");
        await using (var replica = await DeviceReplica.OpenAsync(path))
        {
            await CreateOrderAsync(replica, Order);
            for (var n = 1; n <= 3; n++)
            {
                await AddEntryAsync(replica, Order, n);
            }
            Assert.Equal(3, replica.Store.TailOpCount());
        }
        var abandoned = await DeviceReplica.OpenAsync(path);
        try
        {
            Assert.Equal(0, abandoned.Store.TailOpCount());
            await AddEntryAsync(abandoned, Order, 4);
            Assert.Equal(1, abandoned.Store.TailOpCount());

            // A backup's documents are current: restored alone (ops aside) they show every entry.
            await using var second = await DeviceReplica.OpenAsync(path);
            Assert.Equal(1, second.Store.TailOpCount());
            var summary = await second.ExportBackupAsync(dir.File("r.crdtbak"));
            Assert.Equal(0, second.Store.TailOpCount());
            Assert.Equal(1, summary.Documents);
            await using var restored = await DeviceReplica.RestoreAsync(dir.File("restored.db"), dir.File("r.crdtbak"));
            Assert.Equal(4, restored.GetWorkOrder(Order)!.TimeEntries.Count);
            Assert.Equal(Json(abandoned, Order), Json(restored, Order));
        }
        finally
        {
            abandoned.Dispose();
        }
    }

    [Fact]
    public async Task A_document_edited_past_the_interval_writes_its_snapshot_so_the_tail_stays_short()
    {
        using var dir = new TempDirectory();
        var abandoned = await DeviceReplica.OpenAsync(dir.File("r.db"));
        try
        {
            await CreateOrderAsync(abandoned, Order);
            var tails = new List<long>();
            for (var n = 1; n <= 3 * DocumentMemory.SnapshotEveryOps; n++)
            {
                await AddEntryAsync(abandoned, Order, n);
                tails.Add(abandoned.Store.TailOpCount());
            }

            Assert.True(tails.Max() < DocumentMemory.SnapshotEveryOps, $"a tail grew to {tails.Max()} ops");
            Assert.Equal(3, tails.Count(t => t == 0));
        }
        finally
        {
            abandoned.Dispose();
        }
    }
}
