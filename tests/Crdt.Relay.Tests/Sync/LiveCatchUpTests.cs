using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Grpc.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Sync;

/// <summary>Guards a live stream that falls behind a burst of concurrent commits (whatever OpStreamer's
/// live loop does to catch up): every op arrives once, before the checkpoint that covers it, and the
/// checkpoints only move forward to the last commit's head.</summary>
public sealed class LiveCatchUpTests : RelayTestBase
{
    private const int Pushers = 4;
    private const int PushesEach = 10;
    private const int OpsPerPush = 5;

    [Fact]
    public async Task A_subscriber_behind_a_burst_of_commits_gets_every_op_once_under_ascending_checkpoints()
    {
        var watcher = await Relay.DeviceAsync("wendy", DeviceRoleKind.Dispatcher);
        var cursor = (await watcher.PullAsync())[^1].Checkpoint.Cursor;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = watcher.Subscribe(cursor, cancel.Token);
        var stream = call.ResponseStream;
        Assert.True(await stream.MoveNext(cancel.Token));
        Assert.Equal(cursor, stream.Current.Checkpoint.Cursor);

        // Concurrent pushers commit faster than the (unread) stream is drained.
        var pushed = new List<Dot>();
        var acks = await PushConcurrentlyAsync(pushed);
        var lastHead = acks.Max();

        var received = new List<Dot>();
        var checkpoints = new List<ulong>();
        var opsAfterLastCheckpoint = 0;
        while (checkpoints.Count == 0 || checkpoints[^1] < lastHead)
        {
            Assert.True(await stream.MoveNext(cancel.Token));
            if (stream.Current.ItemCase == Wire.PullResponse.ItemOneofCase.Op)
            {
                received.Add(Wire.CoreMessages.ToOp(stream.Current.Op).Dot);
                opsAfterLastCheckpoint++;
            }
            else if (stream.Current.ItemCase == Wire.PullResponse.ItemOneofCase.Checkpoint)
            {
                checkpoints.Add(stream.Current.Checkpoint.Cursor);
                opsAfterLastCheckpoint = 0;
            }
        }

        Assert.Equal(Pushers * PushesEach * OpsPerPush, received.Count);
        Assert.Equal(pushed.ToHashSet(), received.ToHashSet());
        Assert.Equal(received.Count, received.Distinct().Count());
        Assert.True(checkpoints.Zip(checkpoints.Skip(1)).All(pair => pair.First < pair.Second), "checkpoints must ascend");
        Assert.Equal(lastHead, checkpoints[^1]);
        Assert.Equal(0, opsAfterLastCheckpoint);
        Assert.True(checkpoints.Count <= Pushers * PushesEach, "at most one checkpoint per commit");
    }

    [Fact]
    public async Task Streams_read_while_concurrent_commits_run_them_each_get_every_op_once_in_order()
    {
        // Linking a commit runs the live streams on the committing thread: two dispatchers (every op as
        // stored) and the technician the orders are assigned to (routed: each order arrives whole, and
        // routing asks the tenant, under its gate, from inside the commit).
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var subscribers = new List<(string Name, AsyncServerStreamingCall<Wire.PullResponse> Call)>();
        ulong start = 0;
        foreach (var (name, role) in new[] { ("wendy", DeviceRoleKind.Dispatcher), ("walt", DeviceRoleKind.Dispatcher), ("tom", DeviceRoleKind.Technician) })
        {
            var device = await Relay.DeviceAsync(name, role);
            var cursor = (await device.PullAsync())[^1].Checkpoint.Cursor;
            start = Math.Max(start, cursor);
            subscribers.Add((name, device.Subscribe(cursor, cancel.Token)));
        }
        foreach (var (_, call) in subscribers)
        {
            Assert.True(await call.ResponseStream.MoveNext(cancel.Token)); // the catch-up's checkpoint
        }

        // Positions are dense: the pushes end at this head.
        var head = start + (ulong)(Pushers * PushesEach * OpsPerPush);
        var readers = subscribers.Select(s => Task.Run(() => ReadUntilAsync(s.Call.ResponseStream, head, cancel.Token))).ToList();
        var pushed = new List<Dot>();
        var acks = await PushConcurrentlyAsync(pushed);
        Assert.Equal(head, acks.Max());
        var streams = await Task.WhenAll(readers);

        foreach (var (name, stream) in subscribers.Select(s => s.Name).Zip(streams))
        {
            Assert.True(stream.Checkpoints.Zip(stream.Checkpoints.Skip(1)).All(pair => pair.First < pair.Second), $"{name}: checkpoints must ascend");
            Assert.Equal(acks.Max(), stream.Checkpoints[^1]);
            Assert.Equal(0, stream.ItemsAfterLastCheckpoint);
        }
        foreach (var dispatcher in streams.Take(2))
        {
            Assert.Equal(pushed.Count, dispatcher.Ops.Count);
            Assert.Equal(pushed.ToHashSet(), dispatcher.Ops.ToHashSet());
            // Each pusher's ops in the order it made them (log order within a replica).
            foreach (var replica in dispatcher.Ops.GroupBy(d => d.Replica))
            {
                Assert.Equal(replica.Select(d => d.Seq).Order(), replica.Select(d => d.Seq));
            }
        }
        var technician = streams[2];
        var orders = Enumerable.Range(0, Pushers).SelectMany(p => Enumerable.Range(0, PushesEach).SelectMany(push => Enumerable.Range(0, OpsPerPush).Select(i => $"wo-{p}-{push}-{i}")));
        Assert.Equal(orders.Order(), technician.Documents.Order());
    }

    private sealed record StreamSeen(List<Dot> Ops, List<string> Documents, List<ulong> Checkpoints, int ItemsAfterLastCheckpoint);

    /// <summary>Reads a live stream until a checkpoint reaches <paramref name="head"/>.</summary>
    private static async Task<StreamSeen> ReadUntilAsync(IAsyncStreamReader<Wire.PullResponse> stream, ulong head, CancellationToken cancellationToken)
    {
        var seen = new StreamSeen([], [], [], 0);
        var itemsAfter = 0;
        while (seen.Checkpoints.Count == 0 || seen.Checkpoints[^1] < head)
        {
            Assert.True(await stream.MoveNext(cancellationToken));
            switch (stream.Current.ItemCase)
            {
                case Wire.PullResponse.ItemOneofCase.Op:
                    seen.Ops.Add(Wire.CoreMessages.ToOp(stream.Current.Op).Dot);
                    itemsAfter++;
                    break;
                case Wire.PullResponse.ItemOneofCase.Document:
                    seen.Documents.Add(stream.Current.Document.Id);
                    itemsAfter++;
                    break;
                case Wire.PullResponse.ItemOneofCase.Checkpoint:
                    seen.Checkpoints.Add(stream.Current.Checkpoint.Cursor);
                    itemsAfter = 0;
                    break;
            }
        }
        return seen with { ItemsAfterLastCheckpoint = itemsAfter };
    }

    /// <summary>Pushers (dispatchers) each push their orders for tom in several pushes at once; returns
    /// each pusher's highest acknowledged cursor and adds every pushed dot to <paramref name="pushed"/>.</summary>
    private Task<ulong[]> PushConcurrentlyAsync(List<Dot> pushed) =>
        Task.WhenAll(Enumerable.Range(0, Pushers).Select(async p =>
        {
            var client = await Relay.DeviceAsync($"dina{p}", DeviceRoleKind.Dispatcher);
            var board = new Device($"board-{p}", $"dina{p}");
            var cursors = new List<ulong>();
            for (var push = 0; push < PushesEach; push++)
            {
                var ops = Enumerable.Range(0, OpsPerPush).Select(i => board.CreateOrder($"wo-{p}-{push}-{i}", "tom")).ToArray();
                lock (pushed) pushed.AddRange(ops.Select(o => o.Dot));
                cursors.Add((await client.PushAsync(ops)).Cursor);
            }
            return cursors.Max();
        }));
}
