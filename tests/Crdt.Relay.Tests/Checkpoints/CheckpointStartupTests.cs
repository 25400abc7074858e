using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Sqlite;
using Crdt.Relay.Sync;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Crdt.Relay.Tests.Checkpoints;

/// <summary>
/// Guards start-up from a checkpoint (issue 13): a relay that adopts a checkpoint and replays only the
/// log after it must hold exactly the state (documents, flags, versions, scopes, its own sequence) of a
/// relay that replayed the whole log, and a damaged checkpoint must never stop the relay.
/// </summary>
public sealed class CheckpointStartupTests : IDisposable
{
    private const string Tenant = "default";
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
            // The tests write checkpoints themselves; the background loop must not race them.
            CheckpointPollInterval = TimeSpan.FromHours(1),
        };
        var logging = LoggerFactory.Create(b => b.AddProvider(new QueueLoggerProvider(_logged)).SetMinimumLevel(LogLevel.Information));
        return await RelayEngine.OpenAsync(options, SqliteRelayStore.Open(_folder.Path, durableCommits: false), logging, CancellationToken.None);
    }

    private async Task AppendAsync(IEnumerable<Op> ops)
    {
        await using var store = SqliteRelayStore.Open(_folder.Path, durableCommits: false);
        await store.SetMetaAsync("relay_replica", RandomHistory.RelayReplica);
        foreach (var chunk in ops.Chunk(50))
        {
            await store.AppendAsync(Tenant, chunk.Select(RandomHistory.Record).ToList());
        }
    }

    /// <summary>Everything of a tenant's state a caller can observe, as text.</summary>
    internal static async Task<string> FingerprintAsync(RelayEngine engine, IReadOnlyList<Op> history)
    {
        var tenant = await engine.TenantAsync(Tenant);
        var text = new StringBuilder();
        text.Append($"head {tenant.Head}, next relay sequence {tenant.NextRelaySequence}, compacted through {tenant.CompactedThrough}\n");
        foreach (var key in tenant.Documents.Keys.OrderBy(k => k))
        {
            var facts = tenant.FactsOf(key);
            text.Append($"{key} version {tenant.VersionOf(key)} vector {string.Join(',', tenant.Documents.VersionOf(key).Entries.OrderBy(e => e.Key))}\n")
                .Append($"  view {tenant.Documents.View(key).ToJson(true)}\n")
                .Append($"  flags {string.Join(';', tenant.Documents.Flags(key).Select(f => $"{f.Id}/{f.Kind}/{f.State}"))}\n")
                .Append($"  facts {facts?.Assignee} {facts?.AssigneeWrittenBy} {facts?.Status} {facts?.StatusWrittenBy} {facts?.Customer} {facts?.Asset} {facts?.HasDeletes}\n")
                .Append($"  assignee {tenant.AssigneeOf(key)} deletes {string.Join(',', tenant.DeletesOf(key))}")
                .Append($" ever {string.Join(',', new[] { "tom", "sue", "kim" }.Where(t => tenant.WasEverAssigned(key, t)))}\n")
                .Append($"  snapshot {Convert.ToHexString(SHA256.HashData(tenant.Documents.EncodeSnapshot(key)))}\n");
        }
        foreach (var technician in new[] { "tom", "sue", "kim" })
        {
            text.Append($"{technician}: {string.Join(',', tenant.OrdersOf(technician).Order())}\n");
        }
        text.Append($"held: {history.Count(op => tenant.Documents.Contains(op.Dot))} of {history.Count}\n");
        return text.ToString();
    }

    [Fact]
    public async Task A_relay_started_from_a_checkpoint_holds_exactly_the_state_of_one_that_replayed_the_whole_log()
    {
        for (var seed = 1; seed <= 12; seed++)
        {
            var history = RandomHistory.Make(seed, 300);
            var split = new Random(seed).Next(1, history.Count);
            await AppendAsync(history.Take(split));
            await using (var writer = await OpenAsync(checkpoints: true))
            {
                Assert.True(await writer.WriteCheckpointAsync(await writer.TenantAsync(Tenant)), $"seed {seed}: no checkpoint written");
            }
            await AppendAsync(history.Skip(split));
            _logged.Clear();

            string fromCheckpoint, replayed;
            await using (var engine = await OpenAsync(checkpoints: true))
            {
                fromCheckpoint = await FingerprintAsync(engine, history);
            }
            Assert.Contains(_logged, line => line.Contains("restored from its checkpoint", StringComparison.Ordinal));
            await using (var engine = await OpenAsync(checkpoints: false))
            {
                replayed = await FingerprintAsync(engine, history);
            }

            Assert.Equal(replayed, fromCheckpoint);
            Assert.Contains($"held: {history.Count} of {history.Count}", replayed);
            await using (var store = SqliteRelayStore.Open(_folder.Path))
            {
                await store.DeleteCheckpointAsync(Tenant);
            }
            SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(_folder.Path)) File.Delete(file);
        }
    }

    [Fact]
    public async Task Shutdown_writes_a_checkpoint_and_the_next_start_replays_only_the_log_after_it()
    {
        var history = RandomHistory.Make(99, 200);
        await AppendAsync(history);
        long head;
        await using (var engine = await OpenAsync(checkpoints: true))
        {
            head = (await engine.TenantAsync(Tenant)).Head;
        }
        await using (var store = SqliteRelayStore.Open(_folder.Path))
        {
            var documents = 0;
            var header = await store.ReadCheckpointAsync(Tenant, _ => documents++);
            Assert.NotNull(header);
            Assert.Equal(head, header.ReplayFrom);
            Assert.Equal(header.Documents, documents);
            Assert.True(documents > 0);
        }
        _logged.Clear();

        await using (var engine = await OpenAsync(checkpoints: true))
        {
            Assert.Equal(head, (await engine.TenantAsync(Tenant)).Head);
        }
        Assert.Contains(_logged, line => line.Contains($"restored from its checkpoint at log position {head}", StringComparison.Ordinal));
        Assert.Contains(_logged, line => line.Contains($"loaded: 0 ops", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_damaged_checkpoint_is_reported_and_the_relay_replays_the_whole_log_instead()
    {
        var history = RandomHistory.Make(7, 250);
        await AppendAsync(history);
        await using (var engine = await OpenAsync(checkpoints: true))
        {
            Assert.True(await engine.WriteCheckpointAsync(await engine.TenantAsync(Tenant)));
        }
        // Flip one byte in the middle of one document's body, as a bad disk would.
        await using (var connection = new SqliteConnection($"Data Source={SqliteRelayStore.DatabasePath(_folder.Path)};Pooling=False"))
        {
            connection.Open();
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT rowid, body FROM checkpoint_documents LIMIT 1;";
            long rowid;
            byte[] body;
            using (var reader = read.ExecuteReader())
            {
                Assert.True(reader.Read());
                rowid = reader.GetInt64(0);
                body = (byte[])reader.GetValue(1);
            }
            body[body.Length / 2] ^= 0x5a;
            using var write = connection.CreateCommand();
            write.CommandText = "UPDATE checkpoint_documents SET body = $b WHERE rowid = $r;";
            write.Parameters.AddWithValue("$b", body);
            write.Parameters.AddWithValue("$r", rowid);
            Assert.Equal(1, write.ExecuteNonQuery());
        }
        _logged.Clear();

        string fromDamaged, replayed;
        await using (var engine = await OpenAsync(checkpoints: true))
        {
            fromDamaged = await FingerprintAsync(engine, history);
        }
        Assert.Contains(_logged, line => line.Contains("checkpoint not used", StringComparison.Ordinal)
            && line.Contains("checksum does not match", StringComparison.Ordinal) && line.Contains("replaying the whole log", StringComparison.Ordinal));
        Assert.DoesNotContain(_logged, line => line.Contains("restored from its checkpoint", StringComparison.Ordinal));
        await using (var engine = await OpenAsync(checkpoints: false))
        {
            replayed = await FingerprintAsync(engine, history);
        }
        Assert.Equal(replayed, fromDamaged);
    }

    internal sealed class QueueLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new QueueLogger(lines);

        public void Dispose()
        {
        }

        private sealed class QueueLogger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
