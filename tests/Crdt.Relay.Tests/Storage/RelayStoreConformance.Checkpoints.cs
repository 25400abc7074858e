using Crdt.Relay.Storage;

namespace Crdt.Relay.Tests.Storage;

/// <summary>Checkpoints (issue 13): a reader sees one whole published generation or none, never parts of
/// an unpublished one; a publish whose parts were dropped by another node's publish is refused; tenants
/// stay apart; a checkpoint survives a restart.</summary>
public abstract partial class RelayStoreConformance
{
    private static CheckpointDocument CheckpointDoc(string id, byte fill) => new(new StoreDocumentKey("WorkOrder", id), [fill, fill, 7]);

    private static CheckpointHeader CheckpointOf(string generation, long replayFrom, int documents) =>
        new(generation, replayFrom, 0, documents, [1, 2, 3], DateTimeOffset.FromUnixTimeMilliseconds(1_767_261_600_000));

    private static async Task<(CheckpointHeader? Header, List<CheckpointDocument> Documents)> ReadCheckpointAsync(ICheckpointStore store, string tenant)
    {
        var documents = new List<CheckpointDocument>();
        var header = await store.ReadCheckpointAsync(tenant, documents.Add);
        return (header, documents.OrderBy(d => d.Document.Id, StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task A_checkpoint_is_read_only_once_published_and_then_whole_and_across_a_restart()
    {
        var store = Assert.IsAssignableFrom<ICheckpointStore>(Store);
        Assert.Null((await ReadCheckpointAsync(store, "t1")).Header);

        await store.WriteCheckpointPartAsync("t1", "g1", [CheckpointDoc("wo-1", 1), CheckpointDoc("wo-2", 2)]);
        await store.WriteCheckpointPartAsync("t1", "g1", [CheckpointDoc("wo-3", 3)]);
        Assert.Null((await ReadCheckpointAsync(store, "t1")).Header);

        Assert.True(await store.PublishCheckpointAsync("t1", CheckpointOf("g1", 40, 3)));
        _store = await ReopenAsync(Store);
        store = (ICheckpointStore)Store;

        var (header, documents) = await ReadCheckpointAsync(store, "t1");
        Assert.NotNull(header);
        Assert.Equal(("g1", 40L, 3), (header.Generation, header.ReplayFrom, header.Documents));
        Assert.Equal([1, 2, 3], header.WriterState);
        Assert.Equal(["wo-1", "wo-2", "wo-3"], documents.Select(d => d.Document.Id));
        Assert.Equal([3, 3, 7], documents[2].Body);
        Assert.Null((await ReadCheckpointAsync(store, "t2")).Header);
    }

    [Fact]
    public async Task A_newer_generation_replaces_the_old_one_and_a_publish_missing_parts_is_refused()
    {
        var store = Assert.IsAssignableFrom<ICheckpointStore>(Store);
        await store.WriteCheckpointPartAsync("t1", "old", [CheckpointDoc("wo-1", 1), CheckpointDoc("wo-2", 2)]);
        // Another node starts its own checkpoint meanwhile.
        await store.WriteCheckpointPartAsync("t1", "other", [CheckpointDoc("wo-1", 9)]);
        Assert.True(await store.PublishCheckpointAsync("t1", CheckpointOf("old", 10, 2)));
        await store.WriteCheckpointPartAsync("t1", "new", [CheckpointDoc("wo-1", 5), CheckpointDoc("wo-2", 6), CheckpointDoc("wo-3", 7)]);

        // Counting fewer or more documents than stored under the generation publishes nothing.
        Assert.False(await store.PublishCheckpointAsync("t1", CheckpointOf("new", 20, 2)));
        Assert.Equal("old", (await ReadCheckpointAsync(store, "t1")).Header!.Generation);
        Assert.True(await store.PublishCheckpointAsync("t1", CheckpointOf("new", 20, 3)));

        var (header, documents) = await ReadCheckpointAsync(store, "t1");
        Assert.Equal(("new", 20L), (header!.Generation, header.ReplayFrom));
        Assert.Equal([5, 6, 7], documents.Select(d => d.Body[0]));
        // The other node's parts were dropped with the old generation: its publish is refused.
        Assert.False(await store.PublishCheckpointAsync("t1", CheckpointOf("other", 15, 1)));
        Assert.Equal("new", (await ReadCheckpointAsync(store, "t1")).Header!.Generation);
    }

    [Fact]
    public async Task Checkpoints_of_tenants_stay_apart_and_deleting_one_leaves_the_other()
    {
        var store = Assert.IsAssignableFrom<ICheckpointStore>(Store);
        await store.WriteCheckpointPartAsync("t1", "g", [CheckpointDoc("wo-1", 1)]);
        await store.WriteCheckpointPartAsync("t2", "g", [CheckpointDoc("wo-1", 2), CheckpointDoc("wo-2", 2)]);
        Assert.True(await store.PublishCheckpointAsync("t1", CheckpointOf("g", 5, 1)));
        Assert.True(await store.PublishCheckpointAsync("t2", CheckpointOf("g", 8, 2)));

        await store.DeleteCheckpointAsync("t1");

        Assert.Null((await ReadCheckpointAsync(store, "t1")).Header);
        var (header, documents) = await ReadCheckpointAsync(store, "t2");
        Assert.Equal(8L, header!.ReplayFrom);
        Assert.Equal([2, 2], documents.Select(d => d.Body[0]));
    }
}
