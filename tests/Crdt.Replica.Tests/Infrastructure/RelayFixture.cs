using Crdt.Relay.Storage.Sqlite;

namespace Crdt.Replica.Tests.Infrastructure;

/// <summary>
/// A real relay process with a dispatcher and two technicians registered through the operator
/// CLI, shared by the tests of one class (each test uses its own documents and replica files).
/// </summary>
public sealed class RelayFixture : IAsyncLifetime
{
    private readonly TempDirectory directory = new();
    private RelayProcess? relay;

    internal RelayProcess Relay => relay ?? throw new InvalidOperationException("relay not started");

    internal string DataDirectory => directory.File("relay");

    public string Url => Relay.Url;

    public Dictionary<string, string> Tokens { get; } = [];

    public async Task InitializeAsync()
    {
        relay = await RelayProcess.StartAsync(DataDirectory);
        Tokens["dispatch"] = await relay.AddDeviceAsync("dispatch", "dispatcher");
        Tokens["ana"] = await relay.AddDeviceAsync("ana", "technician");
        Tokens["ben"] = await relay.AddDeviceAsync("ben", "technician");
    }

    /// <summary>Opens a fresh replica file signed in as <paramref name="user"/>.</summary>
    internal async Task<DeviceReplica> DeviceAsync(string user, ReplicaOptions? options = null)
    {
        var replica = await DeviceReplica.OpenAsync(directory.File($"{user}-{Guid.NewGuid():N}.db"), options);
        await replica.SignInAsync(Url, Tokens[user], user);
        return replica;
    }

    /// <summary>Every op the relay stored, read straight from its SQLite store: (replica, seq) pairs.</summary>
    internal async Task<IReadOnlyList<(string Replica, long Seq)>> RelayDotsAsync()
    {
        await using var store = SqliteRelayStore.Open(DataDirectory);
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

    public async Task DisposeAsync()
    {
        if (relay is not null)
        {
            await relay.DisposeAsync();
        }
        directory.Dispose();
    }
}
