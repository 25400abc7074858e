using System.Collections.Concurrent;
using Crdt.Core;
using Crdt.Relay.Storage.Sqlite;
using Crdt.Relay.Sync;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Crdt.Relay.Tests.Checkpoints;

/// <summary>
/// Start-up decodes a checkpoint's documents in parallel batches and merges them in order on one thread
/// (<see cref="CheckpointRestore"/>): with more documents than one batch, the state must still be exactly
/// that of a full replay, and a damaged document in a later batch must still make the relay replay the log.
/// </summary>
public sealed class CheckpointManyDocumentsTests : IDisposable
{
    private const string Tenant = "default";
    // Many batches of 128 and a partial one, so batch hand-over and the remainder are both exercised.
    private const int Orders = 1300;
    private readonly TempFolder _folder = new();
    private readonly ConcurrentQueue<string> _logged = new();

    public void Dispose() => _folder.Dispose();

    private async Task<RelayEngine> OpenAsync(bool checkpoints)
    {
        var options = new RelayOptions
        {
            DataDirectory = _folder.Path,
            DurableCommits = false,
            Checkpoints = checkpoints,
            CheckpointPollInterval = TimeSpan.FromHours(1),
        };
        var logging = LoggerFactory.Create(b => b.AddProvider(new CheckpointStartupTests.QueueLoggerProvider(_logged)).SetMinimumLevel(LogLevel.Information));
        return await RelayEngine.OpenAsync(options, SqliteRelayStore.Open(_folder.Path, durableCommits: false), logging, CancellationToken.None);
    }

    /// <summary>Two devices create and edit many orders, the second after seeing the first's ops (some edits concurrent).</summary>
    private static List<Op> History()
    {
        var a = new LocalEditor(new ReplicaId("dev-a"), new DocumentSet(SchemaRegistry.CreateDefault()));
        var b = new LocalEditor(new ReplicaId("dev-b"), new DocumentSet(SchemaRegistry.CreateDefault()));
        var ops = new List<Op>();
        var wall = 1_760_000_000_000L;
        string[] technicians = ["tom", "sue", "kim"];
        for (var i = 0; i < Orders; i++)
        {
            var key = new DocumentKey(WorkOrderFields.Collection, $"wo-{i:D5}");
            ops.Add(a.Create(key, "tom", ++wall, m => m.Set(WorkOrderFields.Title, $"Order {i}").Set(WorkOrderFields.Status, WorkOrderStatus.Open)
                .Set(WorkOrderFields.Assignee, technicians[i % 3])));
            b.ApplyRemote(ops[^1], wall);
            if (i % 2 == 0)
            {
                ops.Add(a.Edit(key, "tom", ++wall, m => m.Set(WorkOrderFields.Description, $"a {i}")));
                ops.Add(b.Edit(key, "sue", ++wall, m => m.Set(WorkOrderFields.Description, $"b {i}").Set(WorkOrderFields.Assignee, technicians[(i + 1) % 3])));
            }
        }
        return ops;
    }

    private async Task<List<Op>> FillAndCheckpointAsync()
    {
        var history = History();
        await using (var store = SqliteRelayStore.Open(_folder.Path, durableCommits: false))
        {
            await store.SetMetaAsync("relay_replica", RandomHistory.RelayReplica);
            foreach (var chunk in history.Chunk(500))
            {
                await store.AppendAsync(Tenant, chunk.Select(RandomHistory.Record).ToList());
            }
        }
        await using (var engine = await OpenAsync(checkpoints: true))
        {
            Assert.True(await engine.WriteCheckpointAsync(await engine.TenantAsync(Tenant)));
        }
        _logged.Clear();
        return history;
    }

    [Fact]
    public async Task A_checkpoint_of_more_documents_than_one_batch_restores_exactly_the_state_of_a_full_replay()
    {
        var history = await FillAndCheckpointAsync();

        string fromCheckpoint, replayed;
        await using (var engine = await OpenAsync(checkpoints: true))
        {
            fromCheckpoint = await CheckpointStartupTests.FingerprintAsync(engine, history);
        }
        Assert.Contains(_logged, line => line.Contains($"restored from its checkpoint at log position {history.Count}: {Orders} documents", StringComparison.Ordinal));
        await using (var engine = await OpenAsync(checkpoints: false))
        {
            replayed = await CheckpointStartupTests.FingerprintAsync(engine, history);
        }
        Assert.Equal(replayed, fromCheckpoint);
        Assert.Contains($"held: {history.Count} of {history.Count}", replayed);
    }

    [Fact]
    public async Task A_damaged_document_in_a_later_batch_is_named_and_the_relay_replays_the_whole_log_instead()
    {
        var history = await FillAndCheckpointAsync();
        // Damage the last document the store hands out, so earlier batches are already merged when it is found.
        string damagedId;
        await using (var connection = new SqliteConnection($"Data Source={SqliteRelayStore.DatabasePath(_folder.Path)};Pooling=False"))
        {
            connection.Open();
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT doc_id, body FROM checkpoint_documents ORDER BY collection DESC, doc_id DESC LIMIT 1;";
            byte[] body;
            using (var reader = read.ExecuteReader())
            {
                Assert.True(reader.Read());
                damagedId = reader.GetString(0);
                body = (byte[])reader.GetValue(1);
            }
            body[body.Length - 3] ^= 0x5a;
            using var write = connection.CreateCommand();
            write.CommandText = "UPDATE checkpoint_documents SET body = $b WHERE doc_id = $i;";
            write.Parameters.AddWithValue("$b", body);
            write.Parameters.AddWithValue("$i", damagedId);
            Assert.Equal(1, write.ExecuteNonQuery());
        }
        Assert.Equal($"wo-{Orders - 1:D5}", damagedId);

        string fromDamaged, replayed;
        await using (var engine = await OpenAsync(checkpoints: true))
        {
            fromDamaged = await CheckpointStartupTests.FingerprintAsync(engine, history);
        }
        Assert.Contains(_logged, line => line.Contains("checkpoint not used", StringComparison.Ordinal)
            && line.Contains(damagedId, StringComparison.Ordinal) && line.Contains("checksum does not match", StringComparison.Ordinal));
        Assert.DoesNotContain(_logged, line => line.Contains("restored from its checkpoint", StringComparison.Ordinal));
        await using (var engine = await OpenAsync(checkpoints: false))
        {
            replayed = await CheckpointStartupTests.FingerprintAsync(engine, history);
        }
        Assert.Equal(replayed, fromDamaged);
    }
}
