using System.Net;
using Crdt.Relay.Devices;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Postgres;
using Microsoft.Extensions.Logging;

namespace Crdt.Relay.Tests.Support;

/// <summary>Relay nodes on ephemeral 127.0.0.1 ports, each with its own store, all on one fresh
/// PostgreSQL database: several relays as an operator runs them, in one test process.</summary>
public sealed class PostgresRelays : IAsyncDisposable
{
    private readonly List<RelayClient> _clients = [];

    private PostgresRelays(PostgresTestDatabase database, List<RelayHost> nodes)
    {
        Database = database;
        Nodes = nodes;
    }

    public PostgresTestDatabase Database { get; }

    public List<RelayHost> Nodes { get; }

    /// <param name="connectionStringOf">How node i reaches the database, given the database's own connection string.</param>
    /// <param name="storeOf">What node i runs on, given its PostgreSQL store (default: that store).</param>
    /// <param name="loggingOf">Node i's logging, after the default (critical only) is set.</param>
    public static async Task<PostgresRelays> StartAsync(int nodes, Func<int, string, string>? connectionStringOf = null,
        Func<int, ISharedRelayStore, IRelayStore>? storeOf = null, Action<int, ILoggingBuilder>? loggingOf = null)
    {
        var database = await PostgresTestDatabase.CreateAsync();
        var hosts = new List<RelayHost>();
        for (var i = 0; i < nodes; i++)
        {
            var node = i;
            var store = await PostgresRelayStore.OpenAsync(connectionStringOf?.Invoke(i, database.ConnectionString) ?? database.ConnectionString);
            hosts.Add(await RelayHost.StartAsync(new RelayOptions
            {
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                DevicePollInterval = TimeSpan.FromMilliseconds(100),
                ConfigureLogging = logging =>
                {
                    logging.SetMinimumLevel(LogLevel.Critical);
                    loggingOf?.Invoke(node, logging);
                },
            }, storeOf?.Invoke(i, store) ?? store));
        }
        return new PostgresRelays(database, hosts);
    }

    /// <summary>Registers a device (in the shared database) and returns its token.</summary>
    public async Task<string> RegisterAsync(string name, DeviceRoleKind role, string tenant = "default")
    {
        var token = DeviceTokens.NewToken();
        await Nodes[0].Store.AddDeviceAsync(new NewDevice(tenant, name, role, DeviceTokens.Hash(token), DateTimeOffset.UtcNow));
        return token;
    }

    /// <summary>A client of node <paramref name="node"/> holding <paramref name="token"/>.</summary>
    public RelayClient Client(int node, string token, string name = "device")
    {
        var client = new RelayClient(Nodes[node].Address, token, name);
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        foreach (var node in Nodes) await node.DisposeAsync();
        await Database.DisposeAsync();
    }
}
