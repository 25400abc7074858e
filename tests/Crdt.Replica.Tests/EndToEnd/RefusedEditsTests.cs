using System.Text.Json;
using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// Guards the outbox against one edit the relay will never take: it moves to the device's refused
/// list with the relay's reason (kept in the replica file), the edits after it still sync, and it
/// leaves the device only when the user discards it. The relay is a real process; the refused edit
/// is a technician creating a work order assigned to someone else (outside their write scope).
/// </summary>
public sealed class RefusedEditsTests(RelayFixture relay) : IClassFixture<RelayFixture>
{
    private static DocumentKey Order(string id) => new(WorkOrderFields.Collection, id);

    private async Task<DeviceReplica> TechnicianWithOrderAsync(string orderId)
    {
        await using (var dispatch = await relay.DeviceAsync("dispatch"))
        {
            await dispatch.Create(WorkOrderFields.Collection, orderId)
                .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled)
                .Set(WorkOrderFields.Title, "Service " + orderId)
                .Set(WorkOrderFields.Assignee, "ana")
                .SaveAsync();
            await dispatch.SyncAsync();
        }
        var ana = await relay.DeviceAsync("ana");
        await ana.SyncAsync();
        Assert.NotNull(ana.Get(Order(orderId)));
        return ana;
    }

    /// <summary>An order ana may not create: it is assigned to ben.</summary>
    private static Task<DocumentView> CreateOrderForBenAsync(DeviceReplica ana, string id) =>
        ana.Create(WorkOrderFields.Collection, id)
            .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled)
            .Set(WorkOrderFields.Title, "Not mine to create")
            .Set(WorkOrderFields.Assignee, "ben")
            .SaveAsync();

    private async Task<decimal> RelayHoursAsync(string orderId)
    {
        await using var observer = await relay.DeviceAsync("dispatch");
        await observer.SyncAsync();
        Assert.Null(observer.Get(Order(orderId + "-BEN")));
        return observer.Get(Order(orderId))?.TotalHours ?? -1;
    }

    [Fact]
    public async Task A_refused_first_edit_is_set_aside_with_the_relays_reason_and_the_edits_after_it_sync()
    {
        await using var ana = await TechnicianWithOrderAsync("WO-RF1");
        var raised = new List<RefusedEdit>();
        ana.EditsRefused += (_, e) => raised.AddRange(e.Edits);
        await CreateOrderForBenAsync(ana, "WO-RF1-BEN");
        await ana.EditWorkOrder("WO-RF1").AddHours(2, "diagnosis").SaveAsync();

        await ana.SyncAsync();

        Assert.Equal(0, ana.PendingCount);
        var refused = Assert.Single(ana.RefusedEdits());
        Assert.Equal(Order("WO-RF1-BEN"), refused.Document);
        Assert.Equal("PermissionDenied", refused.Status);
        Assert.Contains("WO-RF1-BEN", refused.Reason);
        Assert.Equal("ana", refused.Author);
        Assert.Equal(refused, Assert.Single(raised));
        // Nothing typed is deleted without the user's say: the order is still shown on the device.
        Assert.NotNull(ana.Get(Order("WO-RF1-BEN")));
        Assert.Equal(2m, await RelayHoursAsync("WO-RF1"));
        // The refused list is in the replica file, not only in memory.
        var path = ana.Path;
        ana.Dispose();
        await using var reopened = await DeviceReplica.OpenAsync(path);
        Assert.Equal(refused, Assert.Single(reopened.RefusedEdits()));
    }

    [Fact]
    public async Task A_refused_edit_in_the_middle_of_a_batch_is_found_and_the_edits_on_both_sides_sync()
    {
        await using var ana = await TechnicianWithOrderAsync("WO-RF2");
        await ana.EditWorkOrder("WO-RF2").AddHours(1, "before").SaveAsync();
        await CreateOrderForBenAsync(ana, "WO-RF2-BEN");
        await ana.EditWorkOrder("WO-RF2").AddHours(3, "after").SaveAsync();
        await CreateOrderForBenAsync(ana, "WO-RF2-BEN2");
        await ana.EditWorkOrder("WO-RF2").AddHours(5, "last").SaveAsync();

        await ana.SyncAsync();

        Assert.Equal(0, ana.PendingCount);
        Assert.Equal([Order("WO-RF2-BEN"), Order("WO-RF2-BEN2")], ana.RefusedEdits().Select(r => r.Document));
        Assert.Equal(9m, await RelayHoursAsync("WO-RF2"));
    }

    [Fact]
    public async Task Live_sync_sets_a_refused_edit_aside_and_keeps_sending_the_edits_after_it()
    {
        await using var ana = await TechnicianWithOrderAsync("WO-RF7");
        var refused = new TaskCompletionSource<RefusedEdit>(TaskCreationOptions.RunContinuationsAsynchronously);
        ana.EditsRefused += (_, e) => refused.TrySetResult(e.Edits[0]);
        ana.StartLiveSync();

        await CreateOrderForBenAsync(ana, "WO-RF7-BEN");
        await ana.EditWorkOrder("WO-RF7").AddHours(6, "live").SaveAsync();

        // Generous: under the full suite on 2 cores a live loop that once failed to connect waits out
        // its backoff before it pushes (a CI run took over 30 s here once).
        Assert.Equal(Order("WO-RF7-BEN"), (await refused.Task.WaitAsync(TimeSpan.FromSeconds(120))).Document);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (ana.PendingCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal(0, ana.PendingCount);
        ana.StopLiveSync();
        Assert.Equal(6m, await RelayHoursAsync("WO-RF7"));
    }

    [Fact]
    public async Task An_edit_saved_while_live_sync_pushes_a_refused_edit_neither_ends_live_sync_nor_loses_the_refusal()
    {
        // The race behind the live test above once waiting 2 minutes: the edit saved during the
        // push wakes the loop, which cancels the push; Grpc.Net.Client reported that as an
        // RpcException the loop did not catch, and live sync ended without a word.
        await using var ana = await TechnicianWithOrderAsync("WO-RF8");
        var real = ana.ConnectionFactory;
        ana.ConnectionFactory = (url, token) => new EditDuringFirstPush(real(url, token),
            () => ana.EditWorkOrder("WO-RF8").AddHours(2, "during the push").SaveAsync());
        var refused = new TaskCompletionSource<RefusedEdit>(TaskCreationOptions.RunContinuationsAsynchronously);
        ana.EditsRefused += (_, e) => refused.TrySetResult(e.Edits[0]);
        await CreateOrderForBenAsync(ana, "WO-RF8-BEN");

        ana.StartLiveSync();

        Assert.Equal(Order("WO-RF8-BEN"), (await refused.Task.WaitAsync(TimeSpan.FromSeconds(120))).Document);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (ana.PendingCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal(0, ana.PendingCount);
        ana.StopLiveSync();
        Assert.Equal(2m, await RelayHoursAsync("WO-RF8"));
    }

    [Fact]
    public async Task A_call_this_device_cancels_ends_with_OperationCanceledException_whatever_gRPC_reports()
    {
        await using var ana = await relay.DeviceAsync("ana");
        using var connection = ana.ConnectionFactory(relay.Url, relay.Tokens["ana"]);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connection.PushAsync(new Core.Wire.PushRequest(), cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in connection.SubscribeAsync(0, "", 0, cancelled.Token))
            {
            }
        });
    }

    [Fact]
    public async Task Discarding_a_refused_edit_removes_it_from_the_device_and_sync_goes_on()
    {
        await using var ana = await TechnicianWithOrderAsync("WO-RF3");
        await CreateOrderForBenAsync(ana, "WO-RF3-BEN");
        await ana.EditWorkOrder("WO-RF3").AddHours(4).SaveAsync();
        await ana.SyncAsync();
        var refused = Assert.Single(ana.RefusedEdits());

        Assert.True(await ana.DiscardRefusedAsync(refused.Id));

        Assert.Empty(ana.RefusedEdits());
        Assert.Null(ana.Get(Order("WO-RF3-BEN")));
        Assert.False(await ana.DiscardRefusedAsync(refused.Id));
        await ana.SyncAsync();
        Assert.Equal(4m, ana.Get(Order("WO-RF3"))!.TotalHours);
        Assert.Equal(0, ana.PendingCount);
        // A new edit after the discard takes a fresh sequence and syncs.
        await ana.EditWorkOrder("WO-RF3").AddHours(1).SaveAsync();
        await ana.SyncAsync();
        Assert.Equal(5m, await RelayHoursAsync("WO-RF3"));
    }

    [Fact]
    public async Task Refused_edits_export_to_json_with_the_op_and_a_retry_sends_them_again()
    {
        await using var ana = await TechnicianWithOrderAsync("WO-RF4");
        await CreateOrderForBenAsync(ana, "WO-RF4-BEN");
        await ana.SyncAsync();
        var refused = Assert.Single(ana.RefusedEdits());
        var file = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(ana.Path)!, $"refused-{Guid.NewGuid():N}.json");

        Assert.Equal(1, await ana.ExportRefusedAsync(file));

        using (var json = JsonDocument.Parse(await File.ReadAllTextAsync(file)))
        {
            var entry = Assert.Single(json.RootElement.GetProperty("refused").EnumerateArray());
            Assert.Equal(refused.Id, entry.GetProperty("id").GetString());
            Assert.Equal("PermissionDenied", entry.GetProperty("status").GetString());
            Assert.Equal("WO-RF4-BEN", entry.GetProperty("op").GetProperty("document").GetProperty("id").GetString());
            Assert.Contains("ben", entry.GetProperty("op").ToString());
        }

        Assert.True(await ana.RetryRefusedAsync(refused.Id));
        Assert.Empty(ana.RefusedEdits());
        Assert.Equal(1, ana.PendingCount);
        await ana.SyncAsync();
        // Still outside ana's scope: refused again, not stuck in the outbox.
        Assert.Equal(0, ana.PendingCount);
        Assert.Equal(refused.Id, Assert.Single(ana.RefusedEdits()).Id);
    }

    [Fact]
    public async Task A_wipe_does_not_silently_drop_refused_edits()
    {
        await using var ana = await TechnicianWithOrderAsync("WO-RF5");
        await CreateOrderForBenAsync(ana, "WO-RF5-BEN");
        await ana.SyncAsync();
        Assert.Equal(0, ana.PendingCount);

        var error = await Assert.ThrowsAsync<PendingChangesException>(() => ana.WipeAsync());

        Assert.Equal(1, error.PendingCount);
        Assert.True(File.Exists(ana.Path));
    }

    [Fact]
    public async Task FieldApp_lists_exports_and_discards_refused_edits()
    {
        string path;
        string id;
        await using (var ana = await TechnicianWithOrderAsync("WO-RF6"))
        {
            await CreateOrderForBenAsync(ana, "WO-RF6-BEN");
            await ana.SyncAsync();
            path = ana.Path;
            id = Assert.Single(ana.RefusedEdits()).Id;
        }

        var listed = await ProcessRunner.RunAsync(RepoPaths.FieldAppDll, ["--db", path, "refused", "--json"]);
        Assert.Equal(0, listed.ExitCode);
        using (var json = JsonDocument.Parse(listed.Stdout))
        {
            var entry = Assert.Single(json.RootElement.GetProperty("refused").EnumerateArray());
            Assert.Equal(id, entry.GetProperty("id").GetString());
            Assert.Equal("WO-RF6-BEN", entry.GetProperty("docId").GetString());
        }
        var file = path + ".refused.json";
        var exported = await ProcessRunner.RunAsync(RepoPaths.FieldAppDll, ["--db", path, "refused", "export", file]);
        Assert.Equal(0, exported.ExitCode);
        Assert.Contains("WO-RF6-BEN", await File.ReadAllTextAsync(file));
        var unknown = await ProcessRunner.RunAsync(RepoPaths.FieldAppDll, ["--db", path, "refused", "discard", "dev-nope:1"]);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no refused edit 'dev-nope:1'", unknown.Stderr);
        var discarded = await ProcessRunner.RunAsync(RepoPaths.FieldAppDll, ["--db", path, "refused", "discard", id]);
        Assert.Equal(0, discarded.ExitCode);
        var empty = await ProcessRunner.RunAsync(RepoPaths.FieldAppDll, ["--db", path, "refused"]);
        Assert.Equal("no refused edits", empty.LastLine);
    }
}
