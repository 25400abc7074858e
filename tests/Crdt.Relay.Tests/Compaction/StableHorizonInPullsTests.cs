using System.Net;
using Crdt.Relay.Devices;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Microsoft.Extensions.Logging;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Compaction;

/// <summary>
/// Guards what a pull tells a device about the stable horizon (issue 16, "Devices compact too"): the
/// checkpoint names, as a version vector, exactly the ops every live device has acknowledged, nothing
/// while some device never acknowledged, never an op a device has not acknowledged yet, and a retired
/// device stops holding it back. A device that folded more would lose merges.
/// </summary>
public sealed class StableHorizonInPullsTests : IAsyncDisposable
{
    private const string Tenant = "default";
    private readonly TempFolder _folder = new();
    private readonly Dictionary<string, string> _tokens = [];
    private readonly List<RelayClient> _clients = [];
    private RelayHost? _host;

    private async Task StartAsync() => _host = await RelayHost.StartAsync(new RelayOptions
    {
        DataDirectory = _folder.Path,
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        DurableCommits = false,
        DevicePollInterval = TimeSpan.FromMilliseconds(100),
        ConfigureLogging = logging => logging.SetMinimumLevel(LogLevel.Critical),
    });

    private async Task RegisterAsync(string name)
    {
        var token = DeviceTokens.NewToken();
        await _host!.Store.AddDeviceAsync(new NewDevice(Tenant, name, DeviceRoleKind.Dispatcher, DeviceTokens.Hash(token), DateTimeOffset.UtcNow));
        _tokens[name] = token;
    }

    private RelayClient Client(string name)
    {
        var client = new RelayClient(_host!.Address, _tokens[name], name);
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        _folder.Dispose();
    }

    /// <summary>One pull acknowledging <paramref name="cursor"/>; returns the new cursor and the checkpoint's horizon (replica → sequence; null when absent).</summary>
    private async Task<(ulong Cursor, Dictionary<string, ulong>? Stable)> PullAsync(string device, ulong cursor, string replica, ulong madeThrough)
    {
        var items = await Client(device).PullAsync(cursor, 0, replica, madeThrough);
        var checkpoints = items.Where(i => i.ItemCase == Wire.PullResponse.ItemOneofCase.Checkpoint).Select(i => i.Checkpoint).ToList();
        // Told once per call: on the checkpoint that ends the catch-up.
        Assert.True(checkpoints.Count(c => c.Stable is not null) <= 1);
        var stable = checkpoints.Select(c => c.Stable).FirstOrDefault(s => s is not null);
        return (checkpoints[^1].Cursor, stable?.Entries.ToDictionary(e => e.Replica, e => e.Seq));
    }

    [Fact]
    public async Task The_checkpoint_tells_what_every_live_device_acknowledged_and_a_retired_device_stops_holding_it_back()
    {
        await StartAsync();
        await RegisterAsync("ann");
        await RegisterAsync("bob");
        var ann = new Device("board-ann", "ann");
        await Client("ann").PushAsync(ann.CreateOrder("wo-1", "tom"), ann.CreateOrder("wo-2", "tom"));

        var (annCursor, stable) = await PullAsync("ann", 0, "board-ann", 2);
        Assert.Null(stable);
        var (bobCursor, _) = await PullAsync("bob", 0, "board-bob", 0);
        (annCursor, stable) = await PullAsync("ann", annCursor, "board-ann", 2);
        // Bob has pulled but not yet acknowledged (a pull acknowledges the cursor it starts from).
        Assert.Null(stable);

        (bobCursor, stable) = await PullAsync("bob", bobCursor, "board-bob", 0);
        Assert.Equal(new Dictionary<string, ulong> { ["board-ann"] = 2 }, stable);

        // A third op that bob has not acknowledged is not stable, however often ann acknowledges it.
        await Client("ann").PushAsync(ann.Set(Device.Order("wo-1"), "priority", Core.FieldValue.String("high")));
        (annCursor, _) = await PullAsync("ann", annCursor, "board-ann", 3);
        (annCursor, stable) = await PullAsync("ann", annCursor, "board-ann", 3);
        Assert.Equal(new Dictionary<string, ulong> { ["board-ann"] = 2 }, stable);

        // Bob is retired while away: he no longer holds the horizon.
        Assert.NotNull(await _host!.Store.RevokeDeviceAsync(Tenant, "bob", DateTimeOffset.UtcNow));
        (_, stable) = await PullAsync("ann", annCursor, "board-ann", 3);
        Assert.Equal(new Dictionary<string, ulong> { ["board-ann"] = 3 }, stable);
        Assert.Single(await ((ICompactionStore)_host.Store).ListAcknowledgementsAsync(Tenant), a => a.Device == "bob");
    }
}
