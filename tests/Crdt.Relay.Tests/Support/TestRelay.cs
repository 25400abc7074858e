using System.Net;
using Crdt.Relay.Devices;
using Crdt.Relay.Storage;
using Microsoft.Extensions.Logging;

namespace Crdt.Relay.Tests.Support;

/// <summary>A real relay on an ephemeral 127.0.0.1 port over a SQLite store in a temp folder.</summary>
public sealed class TestRelay : IAsyncDisposable
{
    private readonly TempFolder _folder;
    private readonly List<RelayClient> _clients = [];

    private TestRelay(TempFolder folder, RelayHost host)
    {
        _folder = folder;
        Host = host;
    }

    public RelayHost Host { get; private set; }

    public string DataDirectory => _folder.Path;

    public static async Task<TestRelay> StartAsync(Func<RelayOptions, RelayOptions>? configure = null, TempFolder? folder = null)
    {
        folder ??= new TempFolder();
        var options = Options(folder.Path);
        if (configure is not null) options = configure(options);
        return new TestRelay(folder, await RelayHost.StartAsync(options));
    }

    private static RelayOptions Options(string data) => new()
    {
        DataDirectory = data,
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        DurableCommits = false,
        DevicePollInterval = TimeSpan.FromMilliseconds(100),
        ConfigureLogging = logging => logging.SetMinimumLevel(LogLevel.Critical),
    };

    /// <summary>Registers a device and returns a client holding its token.</summary>
    public async Task<RelayClient> DeviceAsync(string name, DeviceRoleKind role, string tenant = "default")
    {
        var token = DeviceTokens.NewToken();
        await Host.Store.AddDeviceAsync(new NewDevice(tenant, name, role, DeviceTokens.Hash(token), DateTimeOffset.UtcNow));
        return Client(token, name);
    }

    public RelayClient Client(string token, string name = "anonymous")
    {
        var client = new RelayClient(Host.Address, token, name);
        _clients.Add(client);
        return client;
    }

    /// <summary>Stops the relay and starts a new one on the same data folder (same port not kept).</summary>
    public async Task RestartAsync()
    {
        await Host.DisposeAsync();
        Host = await RelayHost.StartAsync(Options(_folder.Path));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        await Host.DisposeAsync();
        _folder.Dispose();
    }
}
