using System.Net;
using System.Net.Sockets;
using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// Guards a device given several relay addresses: a node that answers UNAVAILABLE or refuses the
/// connection makes it move on to the next one, it sticks to a node that works (no call goes back
/// to a dead one, none goes to a later one while the first works), every address down is one clear
/// unreachable error, and FieldApp keeps the list given at login, and the node in use, for later commands.
/// </summary>
public sealed class RelayAddressFailoverTests(RelayFixture relay) : IClassFixture<RelayFixture>
{
    private readonly TempDirectory _files = new();

    [Fact]
    public async Task A_node_answering_unavailable_or_refusing_the_connection_makes_the_device_move_on_and_stay_on_the_working_one()
    {
        await using var unavailable = await UnavailableNode.StartAsync();
        var refused = ClosedPortUrl();
        await using var ana = await DeviceReplica.OpenAsync(_files.File("ana.db"));
        await ana.SignInToNodesAsync([refused, unavailable.Url, relay.Url], relay.Tokens["ana"], "ana");
        Assert.Equal(refused, ana.RelayUrl);

        var order = "WO-F" + Guid.NewGuid().ToString("N")[..8];
        await ana.Create(WorkOrderFields.Collection, order).Set(WorkOrderFields.Status, WorkOrderStatus.InProgress).Set(WorkOrderFields.Title, "Failover").Set(WorkOrderFields.Assignee, "ana").SaveAsync();
        await ana.SyncAsync();

        Assert.Equal(0, ana.PendingCount);
        Assert.Equal(relay.Url, ana.RelayUrl);
        Assert.Equal(1, unavailable.Calls);
        for (var i = 0; i < 3; i++)
        {
            await ana.EditWorkOrder(order).AddHours(1m).SaveAsync();
            await ana.SyncAsync();
        }
        // Sticks: nothing more went to the node that answered UNAVAILABLE.
        Assert.Equal(1, unavailable.Calls);
        Assert.Equal(relay.Url, ana.GetStatus().RelayUrl);
        Assert.Equal([refused, unavailable.Url, relay.Url], ana.GetStatus().RelayUrls);
        var stored = (await relay.RelayDotsAsync()).Where(d => d.Replica == ana.Id.Value).ToList();
        Assert.Equal(4, stored.Count);
        Assert.Equal(ConnectivityState.Online, ana.Connectivity);
    }

    [Fact]
    public async Task A_working_first_node_is_kept_and_the_later_ones_are_never_called()
    {
        await using var unavailable = await UnavailableNode.StartAsync();
        await using var ana = await DeviceReplica.OpenAsync(_files.File("ana.db"));
        await ana.SignInToNodesAsync([relay.Url, unavailable.Url], relay.Tokens["ana"], "ana");
        var order = "WO-K" + Guid.NewGuid().ToString("N")[..8];
        await ana.Create(WorkOrderFields.Collection, order).Set(WorkOrderFields.Status, WorkOrderStatus.InProgress).Set(WorkOrderFields.Title, "Sticky").Set(WorkOrderFields.Assignee, "ana").SaveAsync();

        for (var i = 0; i < 3; i++)
        {
            await ana.EditWorkOrder(order).AddHours(1m).SaveAsync();
            await ana.SyncAsync();
        }

        Assert.Equal(0, ana.PendingCount);
        Assert.Equal(0, unavailable.Calls);
        Assert.Equal(relay.Url, ana.RelayUrl);
    }

    [Fact]
    public async Task Every_node_down_is_one_unreachable_error_naming_each_and_keeps_the_edits()
    {
        await using var unavailable = await UnavailableNode.StartAsync();
        var refused = ClosedPortUrl();
        await using var ana = await DeviceReplica.OpenAsync(_files.File("ana.db"));
        await ana.SignInToNodesAsync([unavailable.Url, refused], relay.Tokens["ana"], "ana");
        await ana.Create(WorkOrderFields.Collection, "WO-D1").Set(WorkOrderFields.Status, WorkOrderStatus.InProgress).Set(WorkOrderFields.Title, "Down").SaveAsync();

        var failed = await Assert.ThrowsAsync<ReplicaSyncException>(() => ana.SyncAsync());

        Assert.True(failed.Unreachable, failed.Message);
        Assert.Contains(unavailable.Url, failed.Message);
        Assert.Contains(refused, failed.Message);
        Assert.Equal(1, ana.PendingCount);
        Assert.Equal(ConnectivityState.Offline, ana.Connectivity);
    }

    [Theory]
    [InlineData("no relay address given")]
    [InlineData("is given twice", "http://127.0.0.1:1", "http://127.0.0.1:1/")]
    [InlineData("is not an http:// or https:// address", "http://127.0.0.1:1", "ftp://127.0.0.1:2")]
    public async Task A_bad_address_list_is_refused_naming_the_problem_and_nobody_is_signed_in(string problem, params string[] addresses)
    {
        await using var ana = await DeviceReplica.OpenAsync(_files.File("ana.db"));

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => ana.SignInToNodesAsync(addresses, relay.Tokens["ana"], "ana"));

        Assert.Contains(problem, refused.Message);
        Assert.Null(ana.CurrentUser);
        Assert.Empty(ana.RelayUrls);
    }

    [Fact]
    public async Task FieldApp_login_with_two_relays_keeps_both_for_later_commands()
    {
        await using var unavailable = await UnavailableNode.StartAsync();
        var db = _files.File("cli.db");

        var login = await ProcessRunner.RunAsync(RepoPaths.FieldAppDll,
            ["--db", db, "login", "--relay", $"{unavailable.Url},{relay.Url}", "--token", relay.Tokens["ben"], "--user", "ben"]);
        Assert.Equal(0, login.ExitCode);
        var sync = await ProcessRunner.RunAsync(RepoPaths.FieldAppDll, ["--db", db, "sync"]);
        var status = await ProcessRunner.RunAsync(RepoPaths.FieldAppDll, ["--db", db, "--json", "status"]);

        Assert.True(sync.ExitCode == 0, sync.Stderr + sync.Stdout);
        Assert.Equal(0, status.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(status.Stdout);
        Assert.Equal([unavailable.Url, relay.Url], json.RootElement.GetProperty("relays").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(relay.Url, json.RootElement.GetProperty("relay").GetString());
        // The login's sign-in check found the first node unavailable and moved on; the sync, another
        // process, started on the node the file remembers and never called the dead one.
        Assert.Equal(1, unavailable.Calls);
    }

    /// <summary>An address where nothing listens: the connection is refused (a node whose process is gone).</summary>
    private static string ClosedPortUrl()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return $"http://127.0.0.1:{port}";
    }
}
