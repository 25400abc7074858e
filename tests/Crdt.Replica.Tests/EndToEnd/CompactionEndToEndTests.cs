using System.Text.Json;
using Crdt.Core;
using Crdt.Relay.Cli;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// Guards bounded history end to end (issue 16): real replicas' pulls acknowledge what they hold, so a
/// stopped relay's log can be compacted, and after it the replicas keep syncing and converging, a new
/// device bootstraps to the same state, and a device offline across the compaction brings its edits in.
/// </summary>
public sealed class CompactionEndToEndTests : IAsyncLifetime
{
    private readonly RelayFixture relay = new();

    public Task InitializeAsync() => relay.InitializeAsync();

    public Task DisposeAsync() => relay.DisposeAsync();

    private static DocumentKey Order(string id) => new(WorkOrderFields.Collection, id);

    [Fact]
    public async Task Replicas_acknowledge_through_their_pulls_and_keep_converging_after_the_relay_compacts()
    {
        await using var dispatch = await relay.DeviceAsync("dispatch");
        await using var ana = await relay.DeviceAsync("ana");
        await using var ben = await relay.DeviceAsync("ben");
        await dispatch.Create(WorkOrderFields.Collection, "WO-C1")
            .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled).Set(WorkOrderFields.Title, "Compaction")
            .Set(WorkOrderFields.Description, "as reported").Set(WorkOrderFields.Assignee, "ana").SaveAsync();
        await dispatch.SyncAsync();
        await ana.SyncAsync();
        for (var i = 0; i < 40; i++)
        {
            await ana.EditWorkOrder("WO-C1").Set(WorkOrderFields.Priority, i % 2 == 0 ? "high" : "low").SaveAsync();
        }
        await ana.EditWorkOrder("WO-C1").AddHours(2, "diagnosis").SaveAsync();
        // Two rounds each: the second pull starts from the cursor the first ended at, and acknowledges it.
        foreach (var device in new[] { ana, dispatch, ben, ana, dispatch, ben })
        {
            await device.SyncAsync();
        }
        // Ben makes an edit and is not around when the relay is compacted: it arrives afterwards.
        await ben.Create(CustomerFields.Collection, "C-ben").Set(CustomerFields.Name, "Ben's customer").SaveAsync();

        relay.Relay.Kill();
        var output = new StringWriter();
        Assert.Equal(0, await RelayCli.RunAsync(["compact", "--data", relay.DataDirectory, "--json"], output, new StringWriter()));
        var figures = JsonDocument.Parse(output.ToString()).RootElement;
        Assert.True(figures.GetProperty("opsAfter").GetInt64() < figures.GetProperty("opsBefore").GetInt64() - 30, figures.ToString());
        await relay.Relay.RestartAsync();

        await ana.EditWorkOrder("WO-C1").Set(WorkOrderFields.Priority, "urgent").AddHours(1, "repair").SaveAsync();
        foreach (var device in new[] { ana, ben, dispatch })
        {
            await device.SyncAsync();
        }
        await using var fresh = await relay.DeviceAsync("dispatch");
        await fresh.SyncAsync();

        var truth = fresh.Get(Order("WO-C1"))!;
        Assert.Equal("urgent", truth[WorkOrderFields.Priority]!.AsString());
        Assert.Equal(3m, truth.TotalHours);
        Assert.Equal(truth.ToJson(true), dispatch.Get(Order("WO-C1"))!.ToJson(true));
        Assert.Equal(truth.ToJson(true), ana.Get(Order("WO-C1"))!.ToJson(true));
        Assert.Equal("Ben's customer", fresh.Get(new DocumentKey(CustomerFields.Collection, "C-ben"))![CustomerFields.Name]!.AsString());
        Assert.Equal(0, ben.PendingCount);
    }
}
