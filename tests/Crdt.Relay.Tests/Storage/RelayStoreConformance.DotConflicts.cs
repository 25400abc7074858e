using Crdt.Relay.Storage;

namespace Crdt.Relay.Tests.Storage;

/// <summary>
/// A dot used again with other content in batches larger than one of the SQLite store's multi-row inserts
/// (32, 8, 1 rows per statement): inside the batch (both ops new, one replica or several) or against a stored
/// row among repeats of stored rows. The whole batch fails and nothing of it is stored, whichever statement
/// its rows would have gone into.
/// </summary>
public abstract partial class RelayStoreConformance
{
    [Theory]
    [InlineData(9)]
    [InlineData(33)]
    [InlineData(40)]
    public async Task A_new_dot_twice_with_other_content_in_a_batch_of_several_replicas_fails_it_whole(int size)
    {
        // Two replicas interleaved (not one replica's ascending run), the last op reusing the second one's dot.
        var good = Enumerable.Range(0, size - 1).Select(i => Op(i % 2 == 0 ? "a" : "b", i / 2 + 1)).ToList();
        var reused = Op(good[1].Replica, good[1].Sequence, fill: 9);

        var conflict = await Assert.ThrowsAsync<DotConflictException>(() => Store.AppendAsync("t1", [.. good, reused]));

        Assert.Equal((good[1].Replica, good[1].Sequence), (conflict.Replica, conflict.Sequence));
        Assert.Equal(0L, await Store.GetHeadAsync("t1"));
        Assert.Empty(await Store.ReadLogAsync("t1", 0, 100));
        var retry = await Store.AppendAsync("t1", good);
        Assert.Equal(size - 1, retry.StoredCount);
        Assert.Equal(good.Select(o => (o.Replica, o.Sequence)), (await Store.ReadLogAsync("t1", 0, 100)).Select(e => (e.Replica, e.Sequence)));
    }

    [Fact]
    public async Task A_stored_dot_with_other_content_at_the_end_of_a_long_run_fails_it_whole_among_repeats_of_stored_rows()
    {
        var stored = await Store.AppendAsync("t1", [Op("a", 32), Op("a", 33), Op("a", 34), Op("a", 40)]);
        var head = await Store.GetHeadAsync("t1");
        // One replica's ascending sequences 1..40: 32-34 stored with the same content, 40 with other content.
        var batch = Enumerable.Range(1, 40).Select(seq => Op("a", seq, fill: (byte)(seq == 40 ? 9 : 1))).ToList();

        var conflict = await Assert.ThrowsAsync<DotConflictException>(() => Store.AppendAsync("t1", batch));

        Assert.Equal(("a", 40L), (conflict.Replica, conflict.Sequence));
        Assert.Equal(head, await Store.GetHeadAsync("t1"));
        Assert.Equal(4, (await Store.ReadLogAsync("t1", 0, 100)).Count);
        var result = await Store.AppendAsync("t1", batch[..39]);
        Assert.Equal(36, result.StoredCount);
        Assert.Equal(stored.Positions.Take(3), result.Positions.Skip(31).Take(3));
        Assert.Equal(40, (await Store.ReadLogAsync("t1", 0, 100)).Count);
    }
}
