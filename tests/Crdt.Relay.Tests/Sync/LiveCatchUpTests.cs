using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
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
        var acks = await Task.WhenAll(Enumerable.Range(0, Pushers).Select(async p =>
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
}
