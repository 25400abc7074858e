using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.Library;

/// <summary>Guards against losing unsynced work: sign-out and wipe refusals, forced wipe's backup, backups and restores.</summary>
public sealed class ReplicaSafetyTests
{
    // Nothing listens here: sign-in does not contact the relay, and syncs fail fast.
    private const string DeadRelay = "http://127.0.0.1:9";

    private static async Task<DeviceReplica> WithPendingWork(string path)
    {
        var replica = await DeviceReplica.OpenAsync(path);
        await replica.SignInAsync(DeadRelay, "token-ana", "ana");
        await replica.Create(WorkOrderFields.Collection, "WO-1")
            .Set(WorkOrderFields.Status, WorkOrderStatus.Open).Set(WorkOrderFields.Title, "Boiler").SaveAsync();
        await replica.EditWorkOrder("WO-1").AddHours(2, "flue").SaveAsync();
        await replica.PinAsync(new DocumentKey(WorkOrderFields.Collection, "WO-1"));
        return replica;
    }

    [Fact]
    public async Task Sign_out_with_unsynced_changes_is_refused_saying_how_many()
    {
        using var dir = new TempDirectory();
        await using var replica = await WithPendingWork(dir.File("r.db"));

        var error = await Assert.ThrowsAsync<PendingChangesException>(() => replica.SignOutAsync());

        Assert.Equal(2, error.PendingCount);
        Assert.Contains("2 changes", error.Message);
        Assert.Equal("ana", replica.CurrentUser);
    }

    [Fact]
    public async Task Wipe_with_unsynced_changes_is_refused_and_the_file_stays()
    {
        using var dir = new TempDirectory();
        var path = dir.File("r.db");
        await using var replica = await WithPendingWork(path);

        var error = await Assert.ThrowsAsync<PendingChangesException>(() => replica.WipeAsync());

        Assert.Contains("2 changes", error.Message);
        Assert.True(File.Exists(path));
        Assert.Equal(2, replica.PendingCount);
    }

    [Fact]
    public async Task A_forced_wipe_writes_a_backup_first_that_restores_everything_pending()
    {
        using var dir = new TempDirectory();
        var path = dir.File("r.db");
        var replica = await WithPendingWork(path);
        var id = replica.Id;
        var json = replica.Get(WorkOrderFields.Collection, "WO-1")!.ToJson(true);
        var dots = replica.Store.OutboxDots();

        var backup = await replica.WipeAsync(force: true, backupPath: dir.File("wipe.crdtbak"));

        Assert.False(File.Exists(path));
        Assert.Equal(dir.File("wipe.crdtbak"), backup);
        await using var restored = await DeviceReplica.RestoreAsync(path, backup!);
        Assert.Equal(id, restored.Id);
        Assert.Equal(json, restored.Get(WorkOrderFields.Collection, "WO-1")!.ToJson(true));
        Assert.Equal(dots, restored.Store.OutboxDots());
        Assert.Equal([new DocumentKey(WorkOrderFields.Collection, "WO-1")], restored.Pinned());
        // The next edit must not reuse a dot the backup holds.
        await restored.EditWorkOrder("WO-1").AddHours(1).SaveAsync();
        Assert.Equal(3, restored.Store.OutboxDots().Select(d => d.Seq).Distinct().Count());
    }

    [Fact]
    public async Task A_backup_imported_into_its_own_replica_changes_nothing_twice()
    {
        using var dir = new TempDirectory();
        await using var replica = await WithPendingWork(dir.File("r.db"));
        var file = dir.File("b.crdtbak");
        var exported = await replica.ExportBackupAsync(file);
        var json = replica.Get(WorkOrderFields.Collection, "WO-1")!.ToJson(true);

        var imported = await replica.ImportBackupAsync(file);
        await replica.ImportBackupAsync(file);

        Assert.Equal((1, 2, 2), (exported.Documents, exported.Ops, exported.Pending));
        Assert.Equal(exported with { Path = imported.Path }, imported);
        Assert.Equal(json, replica.Get(WorkOrderFields.Collection, "WO-1")!.ToJson(true));
        Assert.Equal(2, replica.PendingCount);
        Assert.Equal(2, replica.Store.OpCount());
    }

    [Fact]
    public async Task A_corrupted_backup_is_refused_and_changes_nothing()
    {
        using var dir = new TempDirectory();
        await using var replica = await WithPendingWork(dir.File("r.db"));
        var file = dir.File("b.crdtbak");
        await replica.ExportBackupAsync(file);
        await replica.EditWorkOrder("WO-1").Set(WorkOrderFields.Priority, "high").SaveAsync();
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(file, bytes);
        var before = replica.Get(WorkOrderFields.Collection, "WO-1")!.ToJson(true);

        var error = await Assert.ThrowsAsync<ReplicaBackupException>(() => replica.ImportBackupAsync(file));

        Assert.Contains("corrupted", error.Message);
        Assert.Equal(before, replica.Get(WorkOrderFields.Collection, "WO-1")!.ToJson(true));
        Assert.Equal(3, replica.PendingCount);
    }

    [Fact]
    public async Task Another_devices_backup_is_refused_naming_both_devices()
    {
        using var dir = new TempDirectory();
        await using var first = await WithPendingWork(dir.File("a.db"));
        await using var second = await WithPendingWork(dir.File("b.db"));
        var file = dir.File("a.crdtbak");
        await first.ExportBackupAsync(file);

        var error = await Assert.ThrowsAsync<ReplicaBackupException>(() => second.ImportBackupAsync(file));

        Assert.Contains(first.Id.Value, error.Message);
        Assert.Contains(second.Id.Value, error.Message);
        Assert.Equal(2, second.PendingCount);
    }

    [Fact]
    public async Task Switching_user_keeps_the_first_persons_edits_attributed_and_unsent()
    {
        using var dir = new TempDirectory();
        await using var replica = await WithPendingWork(dir.File("r.db"));

        await replica.SignInAsync(DeadRelay, "token-ben", "ben", PendingEditsPolicy.KeepForAuthor);
        await replica.EditWorkOrder("WO-1").AddHours(1).SaveAsync();

        Assert.Equal("ben", replica.CurrentUser);
        Assert.Equal(new Dictionary<string, long> { ["ana"] = 2, ["ben"] = 1 }, replica.PendingByUser);
        Assert.Equal(["ana", "ana", "ben"], replica.Store.OutboxDots().Select(d => d.UserName));
        Assert.Equal(2, replica.GetWorkOrder("WO-1")!.TimeEntries.Count);
    }

    [Fact]
    public async Task Switching_user_with_sync_first_and_no_relay_is_refused_and_changes_nothing()
    {
        using var dir = new TempDirectory();
        await using var replica = await WithPendingWork(dir.File("r.db"));

        var error = await Assert.ThrowsAsync<PendingChangesException>(() => replica.SignInAsync(DeadRelay, "token-ben", "ben"));

        Assert.Contains("ana", error.Message);
        Assert.Equal("ana", replica.CurrentUser);
        Assert.Equal(new Dictionary<string, long> { ["ana"] = 2 }, replica.PendingByUser);
    }

    [Fact]
    public async Task Work_offline_is_remembered_and_sends_nothing()
    {
        using var dir = new TempDirectory();
        var path = dir.File("r.db");
        await using (var replica = await WithPendingWork(path))
        {
            var changes = new List<ConnectivityState>();
            replica.ConnectivityChanged += (_, e) => changes.Add(e.Current);
            await replica.SetWorkOfflineAsync(true);
            Assert.Equal([ConnectivityState.WorkOffline], changes);
        }
        await using var reopened = await DeviceReplica.OpenAsync(path);

        var moved = await reopened.SyncAsync();

        Assert.Equal(ConnectivityState.WorkOffline, reopened.Connectivity);
        Assert.Equal(SyncProgress.None with { Pending = 2 }, moved);
    }
}
