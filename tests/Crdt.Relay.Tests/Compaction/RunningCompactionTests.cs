using System.Net;
using Crdt.Core;
using Crdt.Relay.Cli;
using Crdt.Relay.Devices;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Compaction;

/// <summary>
/// Guards compaction on a running relay (issue 16): Admin.Compact shrinks the log while the relay serves
/// and changes nothing any device receives, pushes made during it are all kept, a device whose cursor
/// points into the compacted part catches up from snapshots, only the tenant's admin may compact, the
/// Admin API names who holds compaction back, and the schedule compacts by itself.
/// </summary>
public sealed class RunningCompactionTests : IAsyncDisposable
{
    private const string Tenant = "default";
    private readonly TempFolder _folder = new();
    private readonly Dictionary<string, string> _tokens = [];
    private readonly List<RelayClient> _clients = [];
    private RelayHost? _host;

    private async Task StartAsync(TimeSpan? compactEvery = null) => _host = await RelayHost.StartAsync(new RelayOptions
    {
        DataDirectory = _folder.Path,
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        DurableCommits = false,
        DevicePollInterval = TimeSpan.FromMilliseconds(100),
        CompactEvery = compactEvery,
        ConfigureLogging = logging => logging.SetMinimumLevel(LogLevel.Critical),
    });

    private async Task RestartAsync()
    {
        foreach (var client in _clients) client.Dispose();
        _clients.Clear();
        await _host!.DisposeAsync();
        await StartAsync();
    }

    private async Task RegisterAsync(string name, DeviceRoleKind role = DeviceRoleKind.Dispatcher, string tenant = Tenant)
    {
        var token = DeviceTokens.NewToken();
        await _host!.Store.AddDeviceAsync(new NewDevice(tenant, name, role, DeviceTokens.Hash(token), DateTimeOffset.UtcNow));
        _tokens[name] = token;
    }

    private RelayClient Client(string name)
    {
        var client = new RelayClient(_host!.Address, _tokens[name], name);
        _clients.Add(client);
        return client;
    }

    private Task<Wire.CompactResponse> CompactAsync(string by = "admin", string tenant = "") =>
        Client(by).Admin.CompactAsync(new Wire.CompactRequest { Tenant = tenant }, Client(by).Options(deadline: false)).ResponseAsync;

    private async Task<long> LogCountAsync()
    {
        long count = 0, cursor = 0;
        while (await _host!.Store.ReadLogAsync(Tenant, cursor, 1000) is { Count: > 0 } page)
        {
            count += page.Count;
            cursor = page[^1].Position;
        }
        return count;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        if (_host is not null) await _host.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Admin_compact_on_a_running_relay_shrinks_the_log_and_changes_nothing_any_device_receives()
    {
        await StartAsync();
        await RegisterAsync("admin", DeviceRoleKind.Admin);
        await RegisterAsync("bob");
        var admin = new CompactionReplica("admin", "board-admin");
        var bob = new CompactionReplica("bob", "board-bob");
        admin.Keep(admin.Editor.CreateOrder("wo-1", "tom"));
        admin.Keep(admin.Editor.CreateOrder("wo-2", "tom"));
        admin.Churn(8, "a", "wo-1", "wo-2");
        foreach (var replica in new[] { admin, bob }) await replica.SyncAsync(Client(replica.Name));
        bob.Churn(3, "b", "wo-2");
        foreach (var replica in new[] { bob, admin, bob, admin }) await replica.SyncAsync(Client(replica.Name));
        var before = CompactionReplica.Fingerprint(await CompactionReplica.BootstrapAsync(Client("bob")));
        var opsInLog = await LogCountAsync();

        var compacted = await CompactAsync();

        Assert.Equal(Tenant, compacted.Tenant);
        Assert.Equal(opsInLog, compacted.OpsBefore);
        Assert.True(compacted.OpsAfter < compacted.OpsBefore / 4, compacted.ToString());
        Assert.Equal(compacted.OpsAfter, await LogCountAsync());
        Assert.True(compacted.BytesAfter < compacted.BytesBefore, compacted.ToString());
        Assert.Equal(2, compacted.Documents);
        Assert.Empty(compacted.HeldBackBy);
        Assert.Equal(before, CompactionReplica.Fingerprint(await CompactionReplica.BootstrapAsync(Client("bob"))));

        // The relay keeps serving: a new edit reaches the other device, and a restart (bases, then the log) shows the same.
        bob.Keep(bob.Editor.Set(Support.Device.Order("wo-1"), WorkOrderFields.Priority, "urgent"));
        foreach (var replica in new[] { bob, admin }) await replica.SyncAsync(Client(replica.Name));
        var expected = CompactionReplica.Fingerprint(CompactionReplica.Reference(admin, bob));
        Assert.Equal(expected, CompactionReplica.Fingerprint(admin.Editor.Documents));
        Assert.Contains("urgent", expected);
        await RestartAsync();
        Assert.Equal(expected, CompactionReplica.Fingerprint(await CompactionReplica.BootstrapAsync(Client("bob"))));
    }

    [Fact]
    public async Task A_device_whose_cursor_points_into_the_compacted_part_catches_up_from_snapshots()
    {
        await StartAsync();
        await RegisterAsync("admin", DeviceRoleKind.Admin);
        var admin = new CompactionReplica("admin", "board-admin");
        admin.Keep(admin.Editor.CreateOrder("wo-1", "tom"));
        admin.Keep(admin.Editor.CreateOrder("wo-2", "tom"));
        await admin.SyncAsync(Client("admin"));
        // A copy of the device from back then (a backup restored later): it holds the log up to this cursor only.
        var restored = new CompactionReplica("admin", "board-admin");
        restored.Take(await Client("admin").PullAsync());
        var oldCursor = restored.Cursor;
        admin.Churn(6, "a", "wo-1", "wo-2");
        await admin.SyncAsync(Client("admin"));
        await admin.SyncAsync(Client("admin"));

        var compacted = await CompactAsync();
        Assert.True(compacted.Horizon > oldCursor, compacted.ToString());
        Assert.True(compacted.OpsAfter < compacted.OpsBefore, compacted.ToString());

        // The ops after its cursor are gone from the log: the pull starts from the documents instead.
        restored.Take(await Client("admin").PullAsync(oldCursor));
        Assert.Equal(2, restored.SnapshotsTaken);
        Assert.Equal(CompactionReplica.Fingerprint(CompactionReplica.Reference(admin)), CompactionReplica.Fingerprint(restored.Editor.Documents));
        Assert.Equal(admin.Cursor, restored.Cursor);

        // A device whose cursor is at or past the horizon still gets ops, not snapshots.
        admin.Keep(admin.Editor.Set(Support.Device.Order("wo-2"), WorkOrderFields.Priority, "urgent"));
        await admin.SyncAsync(Client("admin"));
        restored.Take(await Client("admin").PullAsync(restored.Cursor));
        Assert.Equal(0, restored.SnapshotsTaken);
        Assert.Equal(CompactionReplica.Fingerprint(CompactionReplica.Reference(admin)), CompactionReplica.Fingerprint(restored.Editor.Documents));
    }

    [Fact]
    public async Task Pushes_made_while_a_running_relay_compacts_are_all_kept()
    {
        await StartAsync();
        await RegisterAsync("admin", DeviceRoleKind.Admin);
        await RegisterAsync("bob");
        var admin = new CompactionReplica("admin", "board-admin");
        var bob = new CompactionReplica("bob", "board-bob");
        // More documents than one compaction batch (200), so pushes land between its transactions.
        var orders = Enumerable.Range(0, 450).Select(i => $"wo-{i}").ToArray();
        foreach (var id in orders) admin.Keep(admin.Editor.CreateOrder(id, "tom"));
        admin.Churn(2, "a", orders);
        foreach (var replica in new[] { admin, bob, admin, bob }) await replica.SyncAsync(Client(replica.Name));

        using var stop = new CancellationTokenSource();
        var bobClient = Client("bob");
        var pushing = Task.Run(async () =>
        {
            var round = 0;
            while (!stop.IsCancellationRequested)
            {
                var id = orders[round * 37 % orders.Length];
                bob.Keep(bob.Editor.Set(Support.Device.Order(id), WorkOrderFields.Description, $"pushed during compaction {round}"));
                bob.Keep(bob.Editor.AddHours(id, $"during-{round}", 0.5m));
                // Pulling acknowledges what bob holds, so every compaction has a newer horizon to fold.
                await bob.SyncAsync(bobClient);
                round++;
            }
            return round;
        });
        var compactions = new List<Wire.CompactResponse>();
        for (var i = 0; i < 4; i++)
        {
            await admin.SyncAsync(Client("admin"));
            compactions.Add(await CompactAsync());
        }
        stop.Cancel();
        var rounds = await pushing;

        Assert.True(rounds > 0);
        Assert.Contains(compactions, c => c.OpsAfter < c.OpsBefore);
        foreach (var replica in new[] { bob, admin, bob, admin }) await replica.SyncAsync(Client(replica.Name));
        var expected = CompactionReplica.Fingerprint(CompactionReplica.Reference(admin, bob));
        Assert.Equal(expected, CompactionReplica.Fingerprint(await CompactionReplica.BootstrapAsync(Client("admin"))));
        Assert.Equal(expected, CompactionReplica.Fingerprint(admin.Editor.Documents));
        Assert.Equal(expected, CompactionReplica.Fingerprint(bob.Editor.Documents));
        await RestartAsync();
        Assert.Equal(expected, CompactionReplica.Fingerprint(await CompactionReplica.BootstrapAsync(Client("admin"))));
    }

    [Fact]
    public async Task Only_an_admin_of_the_tenant_compacts_it_or_sees_who_holds_it_back()
    {
        await StartAsync();
        await RegisterAsync("admin", DeviceRoleKind.Admin);
        await RegisterAsync("bob");

        var notAdmin = await Assert.ThrowsAsync<RpcException>(() => CompactAsync(by: "bob"));
        Assert.Equal(StatusCode.PermissionDenied, notAdmin.StatusCode);
        var otherTenant = await Assert.ThrowsAsync<RpcException>(() => CompactAsync(tenant: "someone-else"));
        Assert.Equal(StatusCode.PermissionDenied, otherTenant.StatusCode);
        Assert.Contains("someone-else", otherTenant.Status.Detail);
        var progress = await Assert.ThrowsAsync<RpcException>(() => Client("bob").Admin.ListDeviceProgressAsync(new Wire.ListDeviceProgressRequest(), Client("bob").Options()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, progress.StatusCode);
    }

    [Fact]
    public async Task The_admin_api_names_the_device_that_holds_compaction_back_and_since_when()
    {
        await StartAsync();
        await RegisterAsync("admin", DeviceRoleKind.Admin);
        var registered = DateTimeOffset.UtcNow;
        await RegisterAsync("never-synced");
        var admin = new CompactionReplica("admin", "board-admin");
        admin.Keep(admin.Editor.CreateOrder("wo-1", "tom"));
        admin.Churn(2, "a", "wo-1");
        await admin.SyncAsync(Client("admin"));
        await admin.SyncAsync(Client("admin"));

        var response = await Client("admin").Admin.ListDeviceProgressAsync(new Wire.ListDeviceProgressRequest(), Client("admin").Options()).ResponseAsync;

        Assert.Equal(0ul, response.Horizon);
        Assert.Equal(admin.Cursor, response.Head);
        var never = response.Devices.Single(d => d.Name == "never-synced");
        Assert.True(never.HoldsCompactionBack);
        Assert.Equal(0ul, never.Acknowledged);
        Assert.InRange(never.SinceUnixMs, registered.AddSeconds(-5).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var self = response.Devices.Single(d => d.Name == "admin");
        Assert.False(self.HoldsCompactionBack);
        Assert.Equal(admin.Cursor, self.Acknowledged);

        // Compaction says the same, and folds nothing while that device has seen nothing.
        var compacted = await CompactAsync();
        Assert.Equal(["never-synced"], compacted.HeldBackBy.Select(d => d.Name));
        Assert.Equal(compacted.OpsBefore, compacted.OpsAfter);
    }

    [Fact]
    public async Task A_relay_started_with_a_compaction_interval_compacts_by_itself()
    {
        await StartAsync(compactEvery: TimeSpan.FromMilliseconds(300));
        await RegisterAsync("admin", DeviceRoleKind.Admin);
        var admin = new CompactionReplica("admin", "board-admin");
        admin.Keep(admin.Editor.CreateOrder("wo-1", "tom"));
        admin.Churn(6, "a", "wo-1");
        await admin.SyncAsync(Client("admin"));
        await admin.SyncAsync(Client("admin"));
        var made = admin.Made.Count;

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await LogCountAsync() >= made && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True(await LogCountAsync() < made / 4, $"the log still holds {await LogCountAsync()} of {made} ops");
        Assert.Equal(CompactionReplica.Fingerprint(CompactionReplica.Reference(admin)),
            CompactionReplica.Fingerprint(await CompactionReplica.BootstrapAsync(Client("admin"))));
    }

    [Theory]
    [InlineData("6h", 6 * 3600)]
    [InlineData("30m", 1800)]
    [InlineData("90s", 90)]
    [InlineData("1d", 86400)]
    [InlineData("1.5h", 5400)]
    public void Compact_every_reads_a_number_with_a_unit(string text, int seconds)
    {
        Assert.Null(CompactEveryOption.Parse(text, out var every));
        Assert.Equal(TimeSpan.FromSeconds(seconds), every);
    }

    [Fact]
    public void Compact_every_off_disables_and_nonsense_is_named()
    {
        Assert.Null(CompactEveryOption.Parse("off", out var off));
        Assert.Null(off);
        Assert.Contains("'soon' is not a duration", CompactEveryOption.Parse("soon", out _));
        Assert.Contains("'6' is not a duration", CompactEveryOption.Parse("6", out _));
        Assert.Contains("outside 1s to 365d", CompactEveryOption.Parse("0s", out _));
        Assert.Contains("outside 1s to 365d", CompactEveryOption.Parse("400d", out _));
    }

    [Fact]
    public async Task Serve_refuses_a_compaction_interval_it_cannot_read()
    {
        var error = new StringWriter();
        var exit = await RelayCli.RunAsync(["serve", "--data", _folder.Path, "--compact-every", "sometimes"], new StringWriter(), error);
        Assert.NotEqual(0, exit);
        Assert.Contains("--compact-every: 'sometimes' is not a duration", error.ToString());
    }
}
