using Crdt.Testing;
using Crdt.Relay.Cli;
using Crdt.Relay.Devices;
using Crdt.Relay.Storage.Postgres;
using Crdt.Relay.Tests.Storage;
using Crdt.Relay.Tests.Support;
using Npgsql;

namespace Crdt.Relay.Tests.Cli;

/// <summary>Guards the operator CLI on PostgreSQL: devices registered, listed and revoked in the
/// shared database with <c>--postgres</c> or <c>CRDT_RELAY_POSTGRES</c>, and a database that cannot
/// be reached answered with one line naming host and port, never the password, exit code 2.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RelayCliPostgresTests : IAsyncLifetime
{
    private PostgresTestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await PostgresTestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await RelayCli.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Devices_are_added_listed_and_revoked_in_the_shared_database()
    {
        var (addExit, added, _) = await Run("device", "add", "--postgres", _database.ConnectionString, "--name", "alice", "--role", "technician", "--tenant", "acme");
        var (revokeExit, _, _) = await Run("device", "revoke", "alice", "--postgres", _database.ConnectionString, "--tenant", "acme");
        var (_, active, _) = await Run("device", "list", "--postgres", _database.ConnectionString);
        var (_, all, _) = await Run("device", "list", "--postgres", _database.ConnectionString, "--all");

        Assert.Equal((0, 0), (addExit, revokeExit));
        var token = added.TrimEnd().Split('\n').Last().Trim();
        await using var store = await PostgresRelayStore.OpenAsync(_database.ConnectionString);
        var device = await store.FindDeviceByTokenHashAsync(DeviceTokens.Hash(token));
        Assert.Equal(("acme", "alice", true), (device?.Tenant, device?.Name, device?.IsRevoked));
        Assert.DoesNotContain("alice", active);
        Assert.Contains("alice", all);
    }

    [Theory]
    [InlineData("serve", "--listen", "127.0.0.1:0")]
    [InlineData("device", "list")]
    public async Task An_unreachable_database_is_one_line_naming_host_and_port_without_the_password_and_exit_2(params string[] args)
    {
        var unreachable = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Host = "127.0.0.1", Port = 1, Password = "hunter2-secret" };

        var (exit, output, error) = await Run([.. args, "--postgres", unreachable.ConnectionString]);

        Assert.Equal(2, exit);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.StartsWith("error: --postgres: cannot open the PostgreSQL database at 127.0.0.1:1/", error);
        Assert.DoesNotContain("hunter2-secret", error + output);
    }

    [Fact]
    public async Task A_refused_login_and_a_connection_string_that_does_not_parse_exit_2_without_the_password()
    {
        var wrongPassword = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Password = "wrong-secret-pw" };

        var (loginExit, _, loginError) = await Run("device", "list", "--postgres", wrongPassword.ConnectionString);
        var (parseExit, _, parseError) = await Run("device", "list", "--postgres", "Host=127.0.0.1;Password=p4ss-secret;Frobnicate=1");

        Assert.Equal((2, 2), (loginExit, parseExit));
        Assert.Contains("password authentication failed", loginError);
        Assert.DoesNotContain("wrong-secret-pw", loginError);
        Assert.Contains("does not parse", parseError);
        Assert.DoesNotContain("p4ss-secret", parseError);
    }

    [Fact]
    public async Task The_relay_process_reads_the_database_from_CRDT_RELAY_POSTGRES()
    {
        await Run("device", "add", "--postgres", _database.ConnectionString, "--name", "bob", "--role", "dispatcher");
        var result = await DotnetProcess.RunAsync(Path.Combine(AppContext.BaseDirectory, "Crdt.Relay.dll"), ["device", "list"],
            new Dictionary<string, string> { [StoreOptions.PostgresVariable] = _database.ConnectionString }, Path.GetTempPath());

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("bob", result.Stdout);
        Assert.Contains("dispatcher", result.Stdout);
    }
}
