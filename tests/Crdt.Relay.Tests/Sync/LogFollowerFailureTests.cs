using System.Collections.Concurrent;
using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Postgres;
using Crdt.Relay.Tests.Checkpoints;
using Crdt.Relay.Tests.Storage;
using Crdt.Relay.Tests.Support;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Crdt.Relay.Tests.Sync;

/// <summary>
/// A node follows the other nodes' appends through the shared log. When following fails for a reason that
/// is not the database being away (a bug, a corrupt row), the node falls behind: it must say so in its log
/// (once per run of failures, not at every retry) and catch up by itself once the failure passes.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LogFollowerFailureTests
{
    private const string FollowingFailed = "Following the other relay nodes failed";

    [Fact]
    public async Task A_node_that_cannot_follow_the_log_says_so_once_and_catches_up_when_it_can_again()
    {
        var logged = new ConcurrentQueue<string>();
        CutOffStore? follower = null;
        await using var relays = await PostgresRelays.StartAsync(2,
            storeOf: (i, store) =>
            {
                if (i != 1)
                {
                    return store;
                }
                var (proxy, control) = CutOffStore.Over((PostgresRelayStore)store);
                follower = control;
                return proxy;
            },
            loggingOf: (i, logging) =>
            {
                if (i == 1)
                {
                    logging.AddProvider(new CheckpointStartupTests.QueueLoggerProvider(logged)).SetMinimumLevel(LogLevel.Error);
                }
            });
        var token = await relays.RegisterAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-1", "dina");
        // Node 1 loads the tenant (it follows only tenants it has loaded).
        await relays.Client(1, token).PullAsync();

        follower!.Failure = new InvalidOperationException("row 42 of the log does not parse (test)");
        await relays.Client(0, token).PushAsync(board.CreateOrder("wo-1", "tom"));
        // Several failed attempts (wake-up, then the sweeps): one line for the whole run of them.
        await WaitUntilAsync(() => follower.FailedReads >= 3);
        var lines = logged.Where(line => line.Contains(FollowingFailed, StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        Assert.Contains("row 42 of the log does not parse", line, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<RpcException>(() => relays.Client(1, token).GetAsync(WorkOrderFields.Collection, "wo-1"));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        follower.Failure = null;
        var order = await WaitForAsync(() => relays.Client(1, token).GetAsync(WorkOrderFields.Collection, "wo-1"));
        Assert.Equal("tom", order.Fields[WorkOrderFields.Assignee].StringValue);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var attempt = 0; !condition(); attempt++)
        {
            Assert.True(attempt < 300, "the condition did not become true within 30 s");
            await Task.Delay(100);
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await read();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && attempt < 300)
            {
                await Task.Delay(100);
            }
        }
    }
}
