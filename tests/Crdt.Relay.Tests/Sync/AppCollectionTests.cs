using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;

namespace Crdt.Relay.Tests.Sync;

/// <summary>Guards application-declared collections: registered in <see cref="RelayOptions.Schemas"/>,
/// they are accepted, stored and synced like the built-ins, and still schema-checked.</summary>
public sealed class AppCollectionTests
{
    private static readonly CollectionSchema Inspection = CollectionSchema.Define("Inspection")
        .Lww("site", FieldValueKind.String, required: true)
        .Lww("passed", FieldValueKind.Bool)
        .Build();

    private static SchemaRegistry AppSchemas() => SchemaRegistry.CreateDefault().Register(Inspection);

    [Fact]
    public async Task An_app_collection_registered_in_the_options_syncs_between_two_devices()
    {
        await using var relay = await TestRelay.StartAsync(o => new RelayOptions
        {
            DataDirectory = o.DataDirectory, Listen = o.Listen, DurableCommits = false, ConfigureLogging = o.ConfigureLogging,
            DevicePollInterval = o.DevicePollInterval, Schemas = AppSchemas(),
        });
        var dina = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var dave = await relay.DeviceAsync("dave", DeviceRoleKind.Dispatcher);
        var board = new LocalEditor(new ReplicaId("board-2"), new DocumentSet(AppSchemas()));
        var key = new DocumentKey("Inspection", "in-1");

        await dina.PushAsync(new Device("board-1", "dina").CreatePart("p-1"));
        var before = (await dave.PullAsync())[^1].Checkpoint.Cursor;
        Assert.True(before > 0);

        var pushed = await dina.PushAsync(
            board.Create(key, "dina", Device.Now, m => m.Set("site", "Plant 4")),
            board.Edit(key, "dina", Device.Now, m => m.Set("passed", true)));

        Assert.Equal(2u, pushed.Stored);
        // Incrementally (ops after a cursor) and by bootstrap (snapshot), dave ends with the document.
        var tablet = new LocalEditor(new ReplicaId("tablet-2"), new DocumentSet(AppSchemas()));
        foreach (var item in await dave.PullAsync(before))
        {
            if (item.Op is { } op) tablet.ApplyRemote(Crdt.Core.Wire.CoreMessages.ToOp(op), Device.Now);
        }
        var fresh = new DocumentSet(AppSchemas());
        foreach (var item in await dave.PullAsync(0))
        {
            if (item.Document is { } snapshot) Crdt.Core.Wire.CoreMessages.MergeSnapshot(fresh, snapshot);
        }
        foreach (var set in new[] { tablet.Documents, fresh })
        {
            Assert.Equal("Plant 4", set.View(key)["site"]!.AsString());
            Assert.True(set.View(key)["passed"]!.AsBool());
        }
        Assert.Equal("Plant 4", (await dave.GetAsync("Inspection", "in-1")).Fields["site"].StringValue);
    }
}
