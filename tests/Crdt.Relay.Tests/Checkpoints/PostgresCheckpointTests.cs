using System.Collections.Concurrent;
using Crdt.Core;
using Crdt.Relay.Storage.Postgres;
using Crdt.Relay.Sync;
using Crdt.Relay.Tests.Storage;
using Crdt.Relay.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Crdt.Relay.Tests.Checkpoints;

/// <summary>
/// Guards checkpoints on PostgreSQL (issue 13), where several nodes share one database: a node that
/// starts from a checkpoint another node wrote holds exactly the state of a node that replayed the
/// whole log, and two nodes checkpointing the same tenant leave one whole checkpoint.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCheckpointTests : IAsyncLifetime
{
    private const string Tenant = "default";
    private readonly ConcurrentQueue<string> _logged = new();
    private PostgresTestDatabase? _database;

    public async Task InitializeAsync() => _database = await PostgresTestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
    }

    private async Task<RelayEngine> OpenNodeAsync(bool checkpoints)
    {
        var options = new RelayOptions
        {
            Checkpoints = checkpoints,
            CheckpointPollInterval = TimeSpan.FromHours(1),
        };
        var logging = LoggerFactory.Create(b => b.AddProvider(new CheckpointStartupTests.QueueLoggerProvider(_logged)).SetMinimumLevel(LogLevel.Information));
        return await RelayEngine.OpenAsync(options, await PostgresRelayStore.OpenAsync(_database!.ConnectionString), logging, CancellationToken.None);
    }

    private async Task AppendAsync(IEnumerable<Op> ops)
    {
        await using var store = await PostgresRelayStore.OpenAsync(_database!.ConnectionString);
        await store.SetMetaAsync("relay_replica", RandomHistory.RelayReplica);
        foreach (var chunk in ops.Chunk(50))
        {
            await store.AppendAsync(Tenant, chunk.Select(RandomHistory.Record).ToList());
        }
    }

    [Fact]
    public async Task A_node_started_from_another_nodes_checkpoint_holds_exactly_the_state_of_a_full_replay()
    {
        var history = RandomHistory.Make(31, 300);
        await AppendAsync(history.Take(170));
        await using (var first = await OpenNodeAsync(checkpoints: true))
        await using (var second = await OpenNodeAsync(checkpoints: true))
        {
            // Both nodes checkpoint the same tenant: whichever publishes last stands, whole.
            var written = await Task.WhenAll(
                first.WriteCheckpointAsync(await first.TenantAsync(Tenant)),
                second.WriteCheckpointAsync(await second.TenantAsync(Tenant)));
            Assert.Contains(true, written);
        }
        await AppendAsync(history.Skip(170));
        _logged.Clear();

        string fromCheckpoint, replayed;
        await using (var third = await OpenNodeAsync(checkpoints: true))
        {
            fromCheckpoint = await CheckpointStartupTests.FingerprintAsync(third, history);
        }
        Assert.Contains(_logged, line => line.Contains("restored from its checkpoint", StringComparison.Ordinal));
        await using (var replaying = await OpenNodeAsync(checkpoints: false))
        {
            replayed = await CheckpointStartupTests.FingerprintAsync(replaying, history);
        }
        Assert.Equal(replayed, fromCheckpoint);
        Assert.Contains($"held: {history.Count} of {history.Count}", replayed);
    }
}
