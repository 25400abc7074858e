using Crdt.Relay.Storage.Postgres;
using Crdt.Relay.Tests.Support;
using Crdt.Testing;

namespace Crdt.Replica.Tests.Infrastructure;

/// <summary>
/// Real <c>Crdt.Relay serve</c> processes (the built Crdt.Relay.dll) on 127.0.0.1, all on one fresh
/// PostgreSQL database of the throwaway cluster (<c>CRDT_TEST_POSTGRES</c>, see
/// <c>scripts/test-services.sh</c>): several nodes of one relay, as an operator runs them. Each node
/// can be killed hard; the database is dropped at the end.
/// </summary>
internal sealed class PostgresRelayNodes : IAsyncDisposable
{
    private readonly PostgresTestDatabase _database;
    private readonly Dictionary<string, string> _environment;

    private PostgresRelayNodes(PostgresTestDatabase database, Dictionary<string, string> environment, List<RelayServeProcess> nodes)
    {
        _database = database;
        _environment = environment;
        Nodes = nodes;
    }

    public List<RelayServeProcess> Nodes { get; }

    public string Url(int node) => Nodes[node].Address.ToString().TrimEnd('/');

    public static async Task<PostgresRelayNodes> StartAsync(int count)
    {
        var database = await PostgresTestDatabase.CreateAsync();
        // The operator's way: the connection string in the environment, for serve and device add alike.
        var environment = new Dictionary<string, string>
        {
            ["CRDT_RELAY_POSTGRES"] = database.ConnectionString,
            ["DOTNET_TieredPGO"] = "0",
            ["DOTNET_gcServer"] = "0",
        };
        var nodes = new List<RelayServeProcess>();
        try
        {
            // One after the other: the first creates the schema, and two cores start one at a time anyway.
            for (var i = 0; i < count; i++)
            {
                nodes.Add(await RelayServeProcess.StartAsync(DotnetProcess.StartInfo(RepoPaths.RelayDll,
                    ["serve", "--listen", "127.0.0.1:0", "--web-listen", "none"], environment, Path.GetTempPath()), TimeSpan.FromSeconds(60)));
            }
        }
        catch
        {
            foreach (var node in nodes) await node.DisposeAsync();
            await database.DisposeAsync();
            throw;
        }
        return new PostgresRelayNodes(database, environment, nodes);
    }

    /// <summary>Registers a device in the shared database with the operator CLI; returns its token.</summary>
    public async Task<string> AddDeviceAsync(string name, string role)
    {
        var result = await DotnetProcess.RunAsync(RepoPaths.RelayDll, ["device", "add", "--name", name, "--role", role], _environment, Path.GetTempPath());
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"device add {name} failed ({result.ExitCode}): {result.Stderr}{result.Stdout}");
        }
        return result.LastLine;
    }

    /// <summary>Every op in the shared log of the default tenant, read straight from the database: (replica, seq) pairs.</summary>
    public async Task<IReadOnlyList<(string Replica, long Seq)>> LogDotsAsync()
    {
        await using var store = await PostgresRelayStore.OpenAsync(_database.ConnectionString);
        var dots = new List<(string, long)>();
        long after = 0;
        while (true)
        {
            var entries = await store.ReadLogAsync("default", after, 10_000);
            if (entries.Count == 0)
            {
                return dots;
            }
            dots.AddRange(entries.Select(e => (e.Replica, e.Sequence)));
            after = entries[^1].Position;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes) await node.DisposeAsync();
        await _database.DisposeAsync();
    }
}
