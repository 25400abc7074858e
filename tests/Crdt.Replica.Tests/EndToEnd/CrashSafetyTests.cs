using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// Guards the durability promise with real processes: FieldApp edits in a loop and is killed
/// with SIGKILL at random moments; every edit it reported as saved must be in the file after
/// each restart, the outbox must hold every op made, and after a sync the relay must hold each
/// op exactly once.
/// </summary>
public sealed class CrashSafetyTests : IAsyncLifetime
{
    private const int Rounds = 12;
    private readonly RelayFixture relay = new();

    public Task InitializeAsync() => relay.InitializeAsync();

    public Task DisposeAsync() => relay.DisposeAsync();

    [Fact]
    public async Task Every_edit_that_returned_survives_SIGKILL_and_syncs_exactly_once()
    {
        using var dir = new TempDirectory();
        var path = dir.File("crash.db");
        var random = new Random(20261122);
        var confirmed = new HashSet<string>();
        var killedMidRun = 0;

        for (var round = 0; round < Rounds; round++)
        {
            using var child = ProcessRunner.Start(RepoPaths.FieldAppDll, ["--db", path, "stress-edits", "WO-K1", "100000"]);
            var stderr = child.StandardError.ReadToEndAsync();
            var killAfter = TimeSpan.FromMilliseconds(random.Next(30, 400));
            using var killTimer = new CancellationTokenSource();
            string? line;
            var killing = Task.Run(async () =>
            {
                // Wait for the first saved edit (the runtime has started), then a random moment more.
                await Task.Delay(Timeout.Infinite, killTimer.Token).ContinueWith(_ => { });
                await Task.Delay(killAfter);
                child.Kill(entireProcessTree: true);
            });
            var first = true;
            while ((line = await child.StandardOutput.ReadLineAsync()) is not null)
            {
                if (line.StartsWith("saved ", StringComparison.Ordinal))
                {
                    confirmed.Add(line["saved ".Length..]);
                    if (first)
                    {
                        first = false;
                        killTimer.Cancel();
                    }
                }
            }
            await child.WaitForExitAsync();
            await killing.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(child.ExitCode != 0, $"round {round}: the child finished instead of being killed: {await stderr}");
            killedMidRun++;

            await using var reopened = await DeviceReplica.OpenAsync(path);
            var order = reopened.GetWorkOrder("WO-K1") ?? throw new Xunit.Sdk.XunitException($"round {round}: the order is gone");
            var present = order.TimeEntries.Select(e => e.Id).ToHashSet();
            Assert.Empty(confirmed.Except(present));
            // The outbox holds every op this device made (nothing was synced yet), numbered without gaps.
            var outbox = reopened.Store.OutboxDots().Select(d => d.Seq).Order().ToList();
            Assert.Equal(Enumerable.Range(1, outbox.Count).Select(i => (long)i), outbox);
            Assert.Equal(reopened.Store.OpCount(), outbox.Count);
            Assert.Equal(present.Count + 1, outbox.Count);
        }

        await using var device = await DeviceReplica.OpenAsync(path);
        await device.SignInAsync(relay.Url, relay.Tokens["dispatch"], "dispatch");
        var ops = device.Store.OpCount();
        await device.SyncAsync();

        Assert.Equal(Rounds, killedMidRun);
        Assert.Equal(0, device.PendingCount);
        var stored = (await relay.RelayDotsAsync()).Where(d => d.Replica == device.Id.Value).ToList();
        Assert.Equal(ops, stored.Count);
        Assert.Equal(stored.Count, stored.Distinct().Count());
        Assert.True(confirmed.Count > Rounds, $"only {confirmed.Count} edits were confirmed in {Rounds} rounds");
    }
}
