using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Grpc.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Transport;

/// <summary>
/// Pushes over a real socket whose canonical op bytes the relay reads straight into ops and the SQLite
/// store inserts 32, then 8, then 1 row per statement: batches of sizes on either side of those, fresh
/// ops mixed with ones already stored, and a dot used twice with other content (inside one batch, or
/// against a stored row, at an index past the first statement). Every op stored is the bytes pushed, in
/// order, and a refused batch leaves nothing behind.
/// </summary>
public sealed class PushBatchSizeTests
{
    public static TheoryData<int> Sizes() => [1, 8, 9, 32, 33, 40];

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task A_batch_of_any_size_is_stored_as_pushed_and_pushed_again_among_new_ops_adds_only_those(int size)
    {
        await using var relay = await TestRelay.StartAsync();
        var dispatcher = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-sizes", "dina");
        await dispatcher.PushAsync(board.CreateOrder("wo-s", "tom"));
        var first = Hours(board, "a", size);

        var pushed = await Push(dispatcher, first);
        // The same ops again, each followed by a new one: the repeats change nothing, the new ones follow in order.
        var second = Hours(board, "b", size);
        var mixed = await Push(dispatcher, first.Zip(second, (old, fresh) => new[] { old, fresh }).SelectMany(pair => pair).ToArray());

        Assert.Equal(((uint)size, 0u), (pushed.Stored, pushed.Duplicates));
        Assert.Equal(((uint)size, (uint)size), (mixed.Stored, mixed.Duplicates));
        var log = await relay.Host.Store.ReadLogAsync("default", 0, 1000);
        Assert.Equal([.. first, .. second], log.Skip(1).Select(e => e.Payload).ToArray());
        Assert.True(log.Zip(log.Skip(1)).All(p => p.First.Position < p.Second.Position));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(9)]
    [InlineData(33)]
    [InlineData(40)]
    public async Task A_dot_used_twice_in_one_batch_with_other_content_fails_the_whole_batch(int size)
    {
        await using var relay = await TestRelay.StartAsync();
        var dispatcher = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-twice", "dina");
        await dispatcher.PushAsync(board.CreateOrder("wo-s", "tom"));
        var good = Hours(board, "a", size - 1);
        // The last op carries the first op's dot with other hours: a replica that reused a sequence number.
        var reused = OtherHours(OpCodec.Decode(good[0]));
        var headBefore = await relay.Host.Store.GetHeadAsync("default");

        var error = await Assert.ThrowsAsync<RpcException>(() => Push(dispatcher, [.. good, reused]));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("different content", error.Status.Detail);
        Assert.Equal(headBefore, await relay.Host.Store.GetHeadAsync("default"));
        // Nothing of the refused batch was kept: its good ops are new when sent alone.
        var retry = await Push(dispatcher, good);
        Assert.Equal(((uint)good.Length, 0u), (retry.Stored, retry.Duplicates));
        var log = await relay.Host.Store.ReadLogAsync("default", 0, 1000);
        Assert.Equal(good, log.Skip(1).Select(e => e.Payload).ToArray());
    }

    [Theory]
    [InlineData(9)]
    [InlineData(40)]
    public async Task A_stored_dot_pushed_again_with_other_content_among_new_ops_fails_the_whole_batch(int size)
    {
        await using var relay = await TestRelay.StartAsync();
        var dispatcher = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-stored", "dina");
        await dispatcher.PushAsync(board.CreateOrder("wo-s", "tom"));
        var ops = Hours(board, "a", size);
        await Push(dispatcher, ops[..3]);
        var headBefore = await relay.Host.Store.GetHeadAsync("default");
        // One replica's ascending sequences (the store's binary-search path), the third of them stored with other content.
        byte[][] batch = [ops[1], OtherHours(OpCodec.Decode(ops[2])), .. ops[3..]];

        var error = await Assert.ThrowsAsync<RpcException>(() => Push(dispatcher, batch));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("different content", error.Status.Detail);
        Assert.Equal(headBefore, await relay.Host.Store.GetHeadAsync("default"));
        var retry = await Push(dispatcher, ops[1..]);
        Assert.Equal(((uint)size - 3, 2u), (retry.Stored, retry.Duplicates));
        var log = await relay.Host.Store.ReadLogAsync("default", 0, 1000);
        Assert.Equal(ops, log.Skip(1).Select(e => e.Payload).ToArray());
    }

    private static byte[][] Hours(Device board, string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => OpCodec.Encode(board.AddHours("wo-s", $"{prefix}{i}", 1m + i))).ToArray();

    /// <summary>The op's dot, clock, author and document with other content.</summary>
    private static byte[] OtherHours(Op op) => OpCodec.Encode(new Op(op.Dot, op.Hlc, op.Author, op.Document, op.Context,
        [new AddElement(WorkOrderFields.TimeEntries, "other", new Dictionary<string, FieldValue> { [TimeEntryFields.Hours] = 99m })]));

    private static Task<Wire.PushResponse> Push(RelayClient device, byte[][] encoded) =>
        device.Sync.PushAsync(Wire.PushRequest.OfEncodedOps(encoded), device.Options()).ResponseAsync;
}
