using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Crdt.Relay.Devices;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Sqlite;
using Crdt.Relay.Tests.Support;
using Grpc.Health.V1;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Crdt.Relay.Tests.Storage;

/// <summary>
/// Guards that damage in the relay's SQLite file is loud and contained: the relay still starts,
/// names the file, tenant and log position of an op it cannot read, serves the healthy tenants,
/// answers the damaged part DATA_LOSS (or UNAVAILABLE) with that message and never UNKNOWN, and
/// health reports NOT_SERVING. The damage is real: a stored op's bytes replaced, a page overwritten.
/// </summary>
public sealed class DamagedStoreTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly Dictionary<string, string> _tokens = [];
    private readonly Device _board = new("board-1", "dina");
    private readonly Device _other = new("board-2", "otto");

    private RelayOptions Options() => new()
    {
        DataDirectory = _folder.Path,
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        DurableCommits = false,
        ConfigureLogging = logging => logging.SetMinimumLevel(LogLevel.None),
    };

    private string DatabaseFile => SqliteRelayStore.DatabasePath(_folder.Path);

    /// <summary>A relay with two tenants, "default" (dina) and "other" (otto), each holding orders; stopped afterwards.</summary>
    private async Task SeedTwoTenantsAsync(int ordersEach)
    {
        await using var host = await RelayHost.StartAsync(Options());
        foreach (var (tenant, name) in new[] { ("default", "dina"), ("other", "otto") })
        {
            var token = DeviceTokens.NewToken();
            await host.Store.AddDeviceAsync(new NewDevice(tenant, name, DeviceRoleKind.Dispatcher, DeviceTokens.Hash(token), DateTimeOffset.UtcNow));
            _tokens[name] = token;
        }
        using var dina = Client(host, "dina");
        using var otto = Client(host, "otto");
        for (var i = 0; i < ordersEach; i++)
        {
            await dina.PushAsync(_board.CreateOrder($"wo-d{i}", "tom"));
            await otto.PushAsync(_other.CreateOrder($"wo-o{i}", "tim"));
        }
    }

    private RelayClient Client(RelayHost host, string name) => new(host.Address, _tokens[name], name);

    private long Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DatabaseFile};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    private static async Task<ServingStatus> HealthAsync(RelayHost host, string service = "")
    {
        using var channel = GrpcChannel.ForAddress(host.Address);
        return (await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = service })).Status;
    }

    [Fact]
    public async Task An_undecodable_op_in_one_tenant_faults_that_tenant_with_file_tenant_and_position_while_the_other_is_served()
    {
        await SeedTwoTenantsAsync(3);
        var position = Scalar("SELECT MAX(position) FROM ops WHERE tenant = 'other'");
        Scalar($"UPDATE ops SET payload = x'ffffffffff' WHERE position = {position}");
        // The seeding relay checkpointed at shutdown, past the damaged op: without its checkpoint the
        // damaged op lies in the log tail start-up replays, as damage after the last checkpoint does.
        Scalar("DELETE FROM checkpoints");

        await using var host = await RelayHost.StartAsync(Options());
        using var dina = Client(host, "dina");
        using var otto = Client(host, "otto");

        Assert.Equal(ServingStatus.NotServing, await HealthAsync(host));
        Assert.Equal(ServingStatus.NotServing, await HealthAsync(host, "crdtfieldstore.v1.Sync"));
        await dina.PushAsync(_board.CreateOrder("wo-after", "tom"));
        Assert.Contains(await dina.PullAsync(), item => item.Document?.Id == "wo-after");
        var push = await Assert.ThrowsAsync<RpcException>(() => otto.PushAsync(_other.CreateOrder("wo-lost", "tim")));
        var pull = await Assert.ThrowsAsync<RpcException>(() => otto.PullAsync());
        foreach (var error in new[] { push, pull })
        {
            Assert.Equal(StatusCode.DataLoss, error.StatusCode);
            Assert.Contains(DatabaseFile, error.Status.Detail);
            Assert.Contains("tenant 'other'", error.Status.Detail);
            Assert.Contains($"log position {position}", error.Status.Detail);
        }
    }

    /// <summary>Overwrites the root page of a table or index of the relay's file with garbage.</summary>
    private async Task DamageRootPageAsync(string name)
    {
        var pageSize = Scalar("PRAGMA page_size");
        var root = Scalar($"SELECT rootpage FROM sqlite_master WHERE name = '{name}'");
        SqliteConnection.ClearAllPools();
        await using var file = new FileStream(DatabaseFile, FileMode.Open, FileAccess.Write);
        file.Position = (root - 1) * pageSize;
        await file.WriteAsync(Enumerable.Repeat((byte)0x5A, (int)pageSize).ToArray());
    }

    [Fact]
    public async Task A_damaged_devices_table_answers_calls_DATA_LOSS_rather_than_UNKNOWN()
    {
        await SeedTwoTenantsAsync(1);
        await DamageRootPageAsync("devices");

        await using var host = await RelayHost.StartAsync(Options());
        using var dina = Client(host, "dina");

        var error = await Assert.ThrowsAsync<RpcException>(() => dina.PullAsync());
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
        Assert.Contains(DatabaseFile, error.Status.Detail);
        Assert.Equal(ServingStatus.NotServing, await HealthAsync(host));
    }

    [Fact]
    public async Task A_damaged_index_page_is_found_at_start_reported_not_serving_and_answered_without_UNKNOWN()
    {
        await SeedTwoTenantsAsync(20);
        await DamageRootPageAsync("ops_dot");

        await using var host = await RelayHost.StartAsync(Options());
        using var dina = Client(host, "dina");

        Assert.Equal(ServingStatus.NotServing, await HealthAsync(host));
        var error = await Assert.ThrowsAsync<RpcException>(() => dina.PushAsync(_board.CreateOrder("wo-new", "tom")));
        Assert.True(error.StatusCode is StatusCode.DataLoss or StatusCode.Unavailable, $"answered {error.StatusCode}: {error.Status.Detail}");
        Assert.Contains(DatabaseFile, error.Status.Detail);
        Assert.Contains("damaged", error.Status.Detail);
    }

    [Fact]
    public async Task A_sound_store_passes_its_start_up_check_and_reports_serving()
    {
        await SeedTwoTenantsAsync(2);

        await using var host = await RelayHost.StartAsync(Options());

        Assert.Equal(ServingStatus.Serving, await HealthAsync(host));
        await using var store = SqliteRelayStore.Open(_folder.Path);
        Assert.Empty(await store.CheckIntegrityAsync());
    }

    public void Dispose() => _folder.Dispose();
}
