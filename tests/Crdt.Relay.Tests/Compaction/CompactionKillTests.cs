using System.Diagnostics;
using System.Net;
using Crdt.Core;
using Crdt.Relay.Devices;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Postgres;
using Crdt.Relay.Storage.Sqlite;
using Crdt.Relay.Tests.Support;
using Crdt.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;
using Xunit.Abstractions;

namespace Crdt.Relay.Tests.Compaction;

/// <summary>
/// Compaction survives SIGKILL at any moment (issue 16): a real <c>Crdt.Relay compact</c> process, one
/// document per transaction, is killed at a random point once it has started changing the store, several
/// times, each time after more edits; afterwards a relay opens on the store and serves exactly the state of
/// a replica that never compacted, and a compaction left to finish does too. On SQLite and on PostgreSQL,
/// and a real <c>serve --compact-every 1s</c> process killed while its scheduled compaction runs (SQLite).
/// </summary>
public sealed class CompactionKillTests(ITestOutputHelper output) : IAsyncDisposable
{
    private const string Tenant = "default";
    private const int Orders = 150;
    // The scheduled compaction runs 200 documents per transaction: enough orders for three.
    private const int ServeOrders = 450;
    private const int Kills = 4;
    private readonly TempFolder _folder = new();
    private readonly string _token = DeviceTokens.NewToken();
    private PostgresTestDatabase? _database;

    public async ValueTask DisposeAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public Task A_sqlite_compaction_killed_at_random_moments_leaves_the_same_state() => RunAsync(postgres: false, serve: false);

    [Fact]
    public Task A_serving_relay_killed_while_its_scheduled_compaction_runs_leaves_the_same_state() => RunAsync(postgres: false, serve: true);

    [Fact]
    public async Task A_postgres_compaction_killed_at_random_moments_leaves_the_same_state()
    {
        _database = await PostgresTestDatabase.CreateAsync();
        await RunAsync(postgres: true, serve: false);
    }

    private async Task<IRelayStore> OpenStoreAsync() => _database is null
        ? SqliteRelayStore.Open(_folder.Path, durableCommits: false)
        : await PostgresRelayStore.OpenAsync(_database.ConnectionString);

    private async Task<RelayHost> StartRelayAsync() => await RelayHost.StartAsync(new RelayOptions
    {
        DataDirectory = _folder.Path,
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        DurableCommits = false,
        ConfigureLogging = logging => logging.SetMinimumLevel(LogLevel.Critical),
    }, await OpenStoreAsync());

    private async Task RunAsync(bool postgres, bool serve)
    {
        var board = new CompactionReplica("board", "board-1");
        var orders = Enumerable.Range(0, serve ? ServeOrders : Orders).Select(i => $"wo-{i}").ToArray();
        foreach (var id in orders) board.Keep(board.Editor.CreateOrder(id, "tom"));
        var random = new Random(16);
        var killedMidway = 0;
        for (var round = 0; round <= Kills; round++)
        {
            // More edits, pushed and acknowledged, so every round has history to fold.
            board.Churn(1, $"r{round}-", orders);
            string expected;
            await using (var relay = await StartRelayAsync())
            {
                if (round == 0)
                {
                    await relay.Store.AddDeviceAsync(new NewDevice(Tenant, "board", DeviceRoleKind.Dispatcher, DeviceTokens.Hash(_token), DateTimeOffset.UtcNow));
                }
                using var client = new RelayClient(relay.Address, _token, "board");
                await board.SyncAsync(client);
                await board.SyncAsync(client);
                expected = CompactionReplica.Fingerprint(CompactionReplica.Reference(board));
                Assert.Equal(expected, CompactionReplica.Fingerprint(await CompactionReplica.BootstrapAsync(client)));
            }

            var opsBefore = await CountOpsAsync();
            var last = round == Kills;
            var (exited, progress) = await RunCompactAsync(postgres, serve, kill: !last, opsBefore, random);
            if (!last && !exited) killedMidway++;
            output.WriteLine($"round {round}: ops {opsBefore} -> {await CountOpsAsync()} ({(exited ? "compact finished" : $"killed after {progress} op(s) left the log")})");
            if (last)
            {
                Assert.True(await CountOpsAsync() < opsBefore / 2, $"the finished compaction left {await CountOpsAsync()} of {opsBefore} ops");
            }

            await using (var relay = await StartRelayAsync())
            {
                using var client = new RelayClient(relay.Address, _token, "board");
                Assert.Equal(expected, CompactionReplica.Fingerprint(await CompactionReplica.BootstrapAsync(client)));
                // The device's own cursor still works: what it pulls changes nothing it holds.
                await board.SyncAsync(client);
                Assert.Equal(expected, CompactionReplica.Fingerprint(board.Editor.Documents));
            }
        }
        Assert.True(killedMidway >= Kills / 2, $"only {killedMidway} of {Kills} kills landed while compact was changing the store");
    }

    /// <summary>The tenant's log ops, read beside the compact process (read-only on SQLite, so it takes no write lock).</summary>
    private async Task<long> CountOpsAsync()
    {
        if (_database is not null)
        {
            await using var connection = new NpgsqlConnection(_database.ConnectionString);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM ops WHERE tenant = 'default';", connection);
            return (long)(await count.ExecuteScalarAsync())!;
        }
        await using var sqlite = new SqliteConnection($"Data Source={SqliteRelayStore.DatabasePath(_folder.Path)};Mode=ReadOnly;Pooling=False");
        sqlite.Open();
        using var command = sqlite.CreateCommand();
        command.CommandText = "SELECT count(*) FROM ops WHERE tenant = 'default';";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Runs <c>compact</c> one document per transaction (or <c>serve</c> compacting every second); with
    /// <paramref name="kill"/>, SIGKILLs it a random moment after the first ops left the log. Returns whether it
    /// finished by itself (a serve process: whether its compaction did), and how many ops had left when killed.</summary>
    private async Task<(bool Exited, long Progress)> RunCompactAsync(bool postgres, bool serve, bool kill, long opsBefore, Random random)
    {
        string[] where = postgres ? ["--postgres", _database!.ConnectionString] : ["--data", _folder.Path];
        string[] args = serve
            ? ["serve", .. where, "--listen", "127.0.0.1:0", "--web-listen", "none", "--compact-every", "1s"]
            : ["compact", .. where, "--batch-size", "1", "--json"];
        var start = DotnetProcess.StartInfo(Path.Combine(AppContext.BaseDirectory, "Crdt.Relay.dll"), args);
        using var process = DotnetProcess.Start(start);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = Stopwatch.StartNew();
        if (kill)
        {
            long left = 0;
            while (!process.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(2))
            {
                left = opsBefore - await CountOpsAsync();
                if (left > 0)
                {
                    await Task.Delay(random.Next(0, 150));
                    break;
                }
                await Task.Delay(10);
            }
            if (!process.HasExited)
            {
                process.Kill(); // SIGKILL
                await process.WaitForExitAsync();
                return (false, left);
            }
        }
        if (serve)
        {
            // Left to compact: once most of the log is folded, the relay is stopped as hard as ever.
            while (!process.HasExited && await CountOpsAsync() >= opsBefore / 2 && deadline.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(50);
            }
            if (process.HasExited)
            {
                Assert.Fail($"serve exited {process.ExitCode}: {await stderr}");
            }
            process.Kill();
            await process.WaitForExitAsync();
            return (true, 0);
        }
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(limit.Token);
        Assert.True(process.ExitCode == 0, $"compact exited {process.ExitCode}: {await stderr} {await stdout}");
        return (true, 0);
    }
}
