using System.Text.Json;
using Crdt.Core;
using Crdt.Relay.Cli;
using Crdt.Replica.Internal.Storage;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// Guards the device side of bounded history (issue 16) against a real relay on 127.0.0.1: the horizon
/// the relay tells in its pulls lets a replica fold its op log without changing a document, a flag, a
/// reopen, a backup or a later merge; and a device that stays offline either holds the horizon back and
/// merges its pending edits afterwards, or, once retired, is refused clearly and keeps its edits.
/// </summary>
public sealed class DeviceCompactionTests : IAsyncLifetime
{
    private readonly RelayFixture relay = new();
    private readonly TempDirectory files = new();

    public Task InitializeAsync() => relay.InitializeAsync();

    public async Task DisposeAsync()
    {
        await relay.DisposeAsync();
        files.Dispose();
    }

    private static DocumentKey Order(string id) => new(WorkOrderFields.Collection, id);

    /// <summary>Two rounds: the second pull of each acknowledges what the first brought, and brings back the horizon.</summary>
    private static async Task SyncRoundsAsync(params DeviceReplica[] devices)
    {
        foreach (var device in devices.Concat(devices))
        {
            await device.SyncAsync();
        }
    }

    private async Task<DeviceReplica> DeviceAsync(string user, bool autoCompact = false)
    {
        var device = await relay.DeviceAsync(user);
        device.AutoCompactAfterStableOps = autoCompact ? 10 : 0;
        return device;
    }

    /// <summary>Stops the relay, compacts its store with the operator CLI, starts it again; returns the CLI's JSON.</summary>
    private async Task<JsonElement> CompactRelayAsync()
    {
        relay.Relay.Kill();
        var output = new StringWriter();
        var errors = new StringWriter();
        Assert.True(await RelayCli.RunAsync(["compact", "--data", relay.DataDirectory, "--json"], output, errors) == 0, errors.ToString());
        await relay.Relay.RestartAsync();
        return JsonDocument.Parse(output.ToString()).RootElement.Clone();
    }

    private async Task CreateOrderAsync(DeviceReplica dispatch, string id, string assignee) =>
        await dispatch.Create(WorkOrderFields.Collection, id)
            .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled).Set(WorkOrderFields.Title, "Pump " + id)
            .Set(WorkOrderFields.Description, "as reported").Set(WorkOrderFields.Assignee, assignee).SaveAsync();

    [Fact]
    public async Task Own_edits_still_waiting_above_a_stored_snapshot_survive_compaction_and_a_reopen()
    {
        // A local edit re-encodes its document's snapshot only every so many own ops (issue 18), so the
        // last few time entries live only in the op log until then; compaction drops stable op rows and
        // must not drop those before they are in a stored snapshot.
        await using var dispatch = await DeviceAsync("dispatch");
        var ana = await DeviceAsync("ana");
        await using var closeAna = new Closing(() => ana);
        await using var ben = await DeviceAsync("ben");
        await CreateOrderAsync(dispatch, "WO-T1", "ana");
        await dispatch.SyncAsync();
        await ana.SyncAsync();
        for (var i = 1; i <= 3; i++)
        {
            await ana.EditWorkOrder("WO-T1").AddHours(i, "visit " + i).SaveAsync();
        }
        Assert.NotEmpty(ana.Store.DocumentsWithTails());
        await SyncRoundsAsync(ana, dispatch, ben);
        await SyncRoundsAsync(ana, dispatch, ben);
        Assert.NotNull(ana.Store.GetSetting(SettingKeys.StableHorizon));

        var done = await ana.CompactAsync();

        Assert.True(done.OpsAfter < done.OpsBefore, done.ToString());
        Assert.Equal(6m, ana.Get(Order("WO-T1"))!.TotalHours);
        var anaFile = ana.Path;
        await ana.DisposeAsync();
        ana = await DeviceReplica.OpenAsync(anaFile);
        Assert.Equal(6m, ana.Get(Order("WO-T1"))!.TotalHours);
        Assert.Equal(dispatch.Get(Order("WO-T1"))!.ToJson(true), ana.Get(Order("WO-T1"))!.ToJson(true));
    }

    [Fact]
    public async Task A_replica_compacted_at_the_told_horizon_keeps_documents_flags_reopen_backup_and_later_merges()
    {
        await using var dispatch = await DeviceAsync("dispatch");
        var ana = await DeviceAsync("ana");
        await using var closeAna = new Closing(() => ana);
        await using var ben = await DeviceAsync("ben");
        await CreateOrderAsync(dispatch, "WO-D1", "ana");
        await dispatch.SyncAsync();
        await ana.SyncAsync();
        for (var i = 0; i < 50; i++)
        {
            await ana.EditWorkOrder("WO-D1").Set(WorkOrderFields.Priority, i % 2 == 0 ? "high" : "low").SaveAsync();
        }
        await ana.EditWorkOrder("WO-D1").AddHours(2, "diagnosis").SaveAsync();
        await ana.SyncAsync();
        // A conflict the compaction must keep: both rewrite the description concurrently.
        await dispatch.SyncAsync();
        await dispatch.EditWorkOrder("WO-D1").Set(WorkOrderFields.Description, "dispatch's words").SaveAsync();
        await ana.EditWorkOrder("WO-D1").Set(WorkOrderFields.Description, "ana's words").SaveAsync();
        await SyncRoundsAsync(ana, dispatch, ben);
        await SyncRoundsAsync(ana, dispatch, ben);

        Assert.NotNull(ana.Store.GetSetting(SettingKeys.StableHorizon));
        var before = ana.Get(Order("WO-D1"))!.ToJson(true);
        var flagsBefore = ana.Flags(includeResolved: true).Select(f => f.ToString()).ToList();
        Assert.Contains(flagsBefore, f => f.StartsWith("ConcurrentEdit", StringComparison.Ordinal));

        var done = await ana.CompactAsync();

        Assert.True(done.HorizonKnown);
        Assert.True(done.OpsAfter < done.OpsBefore - 40, done.ToString());
        Assert.True(done.Documents >= 1, done.ToString());
        Assert.True(done.BytesAfter <= done.BytesBefore, done.ToString());
        Assert.Equal(before, ana.Get(Order("WO-D1"))!.ToJson(true));
        Assert.Equal(flagsBefore, ana.Flags(includeResolved: true).Select(f => f.ToString()).ToList());

        // The file alone says the same after a reopen, and so does a backup restored into a new file.
        var backup = files.File("ana.backup");
        await ana.ExportBackupAsync(backup);
        var anaFile = ana.Path;
        await ana.DisposeAsync();
        ana = await DeviceReplica.OpenAsync(anaFile);
        Assert.Equal(before, ana.Get(Order("WO-D1"))!.ToJson(true));
        Assert.Equal(done.OpsAfter, ana.Store.OpCount());
        await using var restored = await DeviceReplica.RestoreAsync(files.File("ana-restored.db"), backup);
        Assert.Equal(before, restored.Get(Order("WO-D1"))!.ToJson(true));
        Assert.Equal(ana.Id, restored.Id);

        // Edits after compaction, on both sides of it, still merge to one state everywhere.
        await ana.EditWorkOrder("WO-D1").AddHours(1, "repair").Set(WorkOrderFields.Priority, "urgent").SaveAsync();
        await dispatch.EditWorkOrder("WO-D1").Set(WorkOrderFields.Title, "Pump WO-D1 (rechecked)").SaveAsync();
        await SyncRoundsAsync(ana, dispatch, ben);
        await using var fresh = await DeviceAsync("dispatch");
        await fresh.SyncAsync();
        var truth = fresh.Get(Order("WO-D1"))!;
        Assert.Equal(3m, truth.TotalHours);
        Assert.Equal("urgent", truth[WorkOrderFields.Priority]!.AsString());
        Assert.Equal(truth.ToJson(true), ana.Get(Order("WO-D1"))!.ToJson(true));
        Assert.Equal(truth.ToJson(true), dispatch.Get(Order("WO-D1"))!.ToJson(true));
        // Sequences continue past the compacted ones: the relay took ana's new edit as new.
        Assert.Equal(0, ana.PendingCount);
        Assert.True(ana.Store.LastLocalSeq(ana.Id.Value) >= 53);
    }

    [Fact]
    public async Task A_replica_compacts_by_itself_after_a_sync_once_the_horizon_moved_enough()
    {
        await using var dispatch = await DeviceAsync("dispatch");
        await using var ana = await DeviceAsync("ana", autoCompact: true);
        await using var ben = await DeviceAsync("ben");
        await CreateOrderAsync(dispatch, "WO-D2", "ana");
        await dispatch.SyncAsync();
        await ana.SyncAsync();
        for (var i = 0; i < 30; i++)
        {
            await ana.EditWorkOrder("WO-D2").Set(WorkOrderFields.Priority, i % 2 == 0 ? "high" : "low").SaveAsync();
        }
        var made = ana.Store.OpCount();
        var json = ana.Get(Order("WO-D2"))!.ToJson(true);

        await SyncRoundsAsync(ana, dispatch, ben);
        await ana.SyncAsync();

        Assert.True(ana.Store.OpCount() < made - 20, $"{ana.Store.OpCount()} ops left of {made}");
        Assert.Equal(json, ana.Get(Order("WO-D2"))!.ToJson(true));
    }

    [Fact]
    public async Task FieldApp_compact_prints_what_it_did_and_its_json_holds_ops_and_bytes_before_and_after()
    {
        await using var dispatch = await DeviceAsync("dispatch");
        var ana = await DeviceAsync("ana");
        await using var ben = await DeviceAsync("ben");
        await CreateOrderAsync(dispatch, "WO-D5", "ana");
        await dispatch.SyncAsync();
        await ana.SyncAsync();
        for (var i = 0; i < 20; i++)
        {
            await ana.EditWorkOrder("WO-D5").Set(WorkOrderFields.Priority, i % 2 == 0 ? "high" : "low").SaveAsync();
        }
        await SyncRoundsAsync(ana, dispatch, ben);
        await ana.SyncAsync();
        var anaFile = ana.Path;
        var ops = ana.Store.OpCount();
        await ana.DisposeAsync();

        var result = await ProcessRunner.RunAsync(RepoPaths.FieldAppDll, ["--db", anaFile, "--json", "compact"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.True(json.GetProperty("horizonKnown").GetBoolean());
        Assert.Equal(ops, json.GetProperty("opsBefore").GetInt64());
        Assert.True(json.GetProperty("opsAfter").GetInt64() < ops - 15, result.Stdout);
        Assert.True(json.GetProperty("bytesAfter").GetInt64() <= json.GetProperty("bytesBefore").GetInt64(), result.Stdout);

        var fresh = await ProcessRunner.RunAsync(RepoPaths.FieldAppDll, ["--db", files.File("never-synced.db"), "compact"]);
        Assert.Equal(0, fresh.ExitCode);
        Assert.StartsWith("nothing to compact yet: the relay has not told a stable horizon", fresh.Stdout.Trim());
    }

    [Fact]
    public async Task A_device_offline_across_compactions_holds_the_horizon_and_its_pending_edits_merge_afterwards()
    {
        await using var dispatch = await DeviceAsync("dispatch");
        await using var ana = await DeviceAsync("ana");
        await using var ben = await DeviceAsync("ben");
        await CreateOrderAsync(dispatch, "WO-D3", "ben");
        await CreateOrderAsync(dispatch, "WO-D3A", "ana");
        await dispatch.SyncAsync();
        for (var i = 0; i < 20; i++)
        {
            await dispatch.EditWorkOrder("WO-D3").Set(WorkOrderFields.Priority, i % 2 == 0 ? "high" : "low").SaveAsync();
        }
        await SyncRoundsAsync(dispatch, ana, ben);

        // Ben goes offline with edits of his own, concurrent with what the others do meanwhile.
        await ben.EditWorkOrder("WO-D3").AddHours(3, "offline work").Set(WorkOrderFields.Description, "ben's words").SaveAsync();
        await ben.EditWorkOrder("WO-D3").Set(WorkOrderFields.Priority, "urgent").SaveAsync();
        var compactions = new List<JsonElement>();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 10; i++)
            {
                await dispatch.EditWorkOrder("WO-D3").Set(WorkOrderFields.Title, $"Pump WO-D3 round {round}.{i}").SaveAsync();
                await ana.EditWorkOrder("WO-D3A").AddHours(0.5m, $"round {round}.{i}").SaveAsync();
            }
            if (round == 0)
            {
                await dispatch.EditWorkOrder("WO-D3").Set(WorkOrderFields.Description, "dispatch's words").SaveAsync();
            }
            await SyncRoundsAsync(dispatch, ana);
            await dispatch.CompactAsync();
            await ana.CompactAsync();
            compactions.Add(await CompactRelayAsync());
        }

        // Ben holds compaction back, and the relay says so.
        foreach (var figures in compactions)
        {
            var tenant = figures.GetProperty("tenants")[0];
            Assert.Contains(tenant.GetProperty("heldBackBy").EnumerateArray(), d => d.GetProperty("device").GetString() == "ben");
        }

        await ben.SyncAsync();
        await SyncRoundsAsync(dispatch, ana, ben);
        await using var fresh = await DeviceAsync("dispatch");
        await fresh.SyncAsync();

        var truth = fresh.Get(Order("WO-D3"))!;
        Assert.Equal(3m, truth.TotalHours);
        Assert.Equal("urgent", truth[WorkOrderFields.Priority]!.AsString());
        Assert.Equal("Pump WO-D3 round 2.9", truth[WorkOrderFields.Title]!.AsString());
        Assert.Contains(truth.Flags, f => f.Kind == FlagKind.ConcurrentEdit && f.Field == WorkOrderFields.Description);
        Assert.Equal(0, ben.PendingCount);
        Assert.Equal(truth.ToJson(true), ben.Get(Order("WO-D3"))!.ToJson(true));
        Assert.Equal(truth.ToJson(true), dispatch.Get(Order("WO-D3"))!.ToJson(true));
        Assert.Equal(15m, fresh.Get(Order("WO-D3A"))!.TotalHours);
        Assert.Equal(fresh.Get(Order("WO-D3A"))!.ToJson(true), ana.Get(Order("WO-D3A"))!.ToJson(true));
    }

    [Fact]
    public async Task A_device_retired_while_offline_no_longer_holds_the_horizon_and_its_pushes_are_refused_with_its_edits_kept()
    {
        await using var dispatch = await DeviceAsync("dispatch");
        await using var ana = await DeviceAsync("ana");
        await using var ben = await DeviceAsync("ben");
        await CreateOrderAsync(dispatch, "WO-D4", "ben");
        await dispatch.SyncAsync();
        await SyncRoundsAsync(dispatch, ana, ben);

        await ben.EditWorkOrder("WO-D4").AddHours(4, "work nobody will see").SaveAsync();
        for (var i = 0; i < 20; i++)
        {
            await dispatch.EditWorkOrder("WO-D4").Set(WorkOrderFields.Priority, i % 2 == 0 ? "high" : "low").SaveAsync();
        }
        await SyncRoundsAsync(dispatch, ana);
        var retired = await ProcessRunner.RunAsync(RepoPaths.RelayDll, ["device", "revoke", "--data", relay.DataDirectory, "ben"]);
        Assert.True(retired.ExitCode == 0, retired.Stderr + retired.Stdout);
        await SyncRoundsAsync(dispatch, ana);
        var figures = await CompactRelayAsync();
        var tenant = figures.GetProperty("tenants")[0];
        Assert.DoesNotContain(tenant.GetProperty("heldBackBy").EnumerateArray(), d => d.GetProperty("device").GetString() == "ben");
        Assert.True(figures.GetProperty("opsAfter").GetInt64() < figures.GetProperty("opsBefore").GetInt64() - 15, figures.ToString());

        var refused = await Assert.ThrowsAsync<ReplicaSyncException>(() => ben.SyncAsync());
        Assert.False(refused.Unreachable);
        Assert.Contains("revoked", refused.Message, StringComparison.Ordinal);
        Assert.Contains("backup", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, refused.Pending);

        // The edit stays on the device, shown and pending, and a backup carries it.
        Assert.Equal(1, ben.PendingCount);
        Assert.Equal(4m, ben.Get(Order("WO-D4"))!.TotalHours);
        var summary = await ben.ExportBackupAsync(files.File("ben.backup"));
        Assert.Equal(1, summary.Pending);

        // The relay never took it: nobody else sees the hours.
        await dispatch.SyncAsync();
        Assert.Equal(0m, dispatch.Get(Order("WO-D4"))!.TotalHours);
    }
}

/// <summary>Disposes whatever replica the variable holds at the end (a test reopens one mid-way).</summary>
internal sealed class Closing(Func<DeviceReplica> current) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => current().DisposeAsync();
}
