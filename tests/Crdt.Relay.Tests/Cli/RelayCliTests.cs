using Crdt.Relay.Cli;
using Crdt.Relay.Devices;
using Crdt.Relay.Storage.Sqlite;

namespace Crdt.Relay.Tests.Cli;

/// <summary>Guards the operator CLI: tokens printed once and stored hashed, bad arguments
/// answered with one line and exit code 2, help on every command.</summary>
public sealed class RelayCliTests : IDisposable
{
    private readonly TempFolder _data = new();

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await RelayCli.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Device_add_prints_the_token_last_and_stores_only_its_hash()
    {
        var (exit, output, _) = await Run("device", "add", "--data", _data.Path, "--name", "alice", "--role", "technician", "--tenant", "acme");

        Assert.Equal(0, exit);
        var token = output.TrimEnd().Split('\n').Last().Trim();
        Assert.True(token.Length >= 40, $"token '{token}' is too short");
        await using var store = SqliteRelayStore.Open(_data.Path);
        var device = await store.FindDeviceByTokenHashAsync(DeviceTokens.Hash(token));
        Assert.Equal(("acme", "alice", Crdt.Relay.Storage.DeviceRoleKind.Technician), (device?.Tenant, device?.Name, device?.Role));
        var raw = await File.ReadAllBytesAsync(SqliteRelayStore.DatabasePath(_data.Path) + "-wal");
        Assert.Equal(-1, raw.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(token)));
    }

    [Fact]
    public async Task Device_list_shows_devices_and_revoke_marks_them()
    {
        await Run("device", "add", "--data", _data.Path, "--name", "bob", "--role", "dispatcher");

        var (revokeExit, _, _) = await Run("device", "revoke", "bob", "--data", _data.Path);
        var (listExit, active, _) = await Run("device", "list", "--data", _data.Path);
        var (_, all, _) = await Run("device", "list", "--data", _data.Path, "--all");

        Assert.Equal((0, 0), (revokeExit, listExit));
        Assert.DoesNotContain("bob", active);
        Assert.Contains("bob", all);
        Assert.Contains("dispatcher", all);
    }

    [Theory]
    [InlineData("device", "add", "--name", "x", "--role", "boss")]
    [InlineData("device", "add", "--role", "technician")]
    [InlineData("device", "add", "--name", "x", "--role", "admin", "--tenant", "no spaces")]
    [InlineData("serve", "--listen", "not-an-endpoint")]
    [InlineData("serve", "--web-listen", "nowhere")]
    [InlineData("serve", "--pushes-at-once", "0")]
    [InlineData("serve", "--tls-cert", "/no/such/cert.pem")]
    [InlineData("device", "revoke")]
    [InlineData("frobnicate")]
    [InlineData()]
    public async Task Bad_arguments_give_one_line_and_exit_code_2(params string[] args)
    {
        var (exit, _, error) = await Run([.. args, .. args.Length > 1 && args[0] == "device" ? new[] { "--data", _data.Path } : []]);

        Assert.Equal(2, exit);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.StartsWith("error: ", error);
    }

    [Fact]
    public async Task Registering_a_taken_name_or_revoking_an_unknown_one_is_a_usage_error()
    {
        await Run("device", "add", "--data", _data.Path, "--name", "carol", "--role", "admin");

        var taken = await Run("device", "add", "--data", _data.Path, "--name", "carol", "--role", "admin");
        var unknown = await Run("device", "revoke", "nobody", "--data", _data.Path);

        Assert.Equal(2, taken.Exit);
        Assert.Contains("carol", taken.Err);
        Assert.Equal(2, unknown.Exit);
        Assert.Contains("nobody", unknown.Err);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("serve", "--help")]
    [InlineData("device", "--help")]
    [InlineData("device", "add", "--help")]
    [InlineData("device", "list", "--help")]
    [InlineData("device", "revoke", "--help")]
    public async Task Every_command_has_help(params string[] args)
    {
        var (exit, output, _) = await Run(args);

        Assert.Equal(0, exit);
        Assert.Contains("Usage:", output);
    }

    [Theory]
    [InlineData("device", "list")]
    [InlineData("device", "revoke", "bob")]
    public async Task Commands_on_an_existing_relay_refuse_a_data_folder_that_holds_none(params string[] args)
    {
        var missing = Path.Combine(_data.Path, "typo");

        var (exit, _, error) = await Run([.. args, "--data", missing]);

        Assert.Equal(2, exit);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains("no relay data there", error);
        Assert.False(Directory.Exists(missing), "the mistyped folder must not be created");
    }

    [Fact]
    public async Task The_first_device_add_says_where_it_created_the_relay_data()
    {
        var fresh = Path.Combine(_data.Path, "fresh");

        var first = await Run("device", "add", "--data", fresh, "--name", "ana", "--role", "technician");
        var second = await Run("device", "add", "--data", fresh, "--name", "ben", "--role", "technician");

        Assert.Contains($"created relay data in {Path.GetFullPath(fresh)}", first.Out);
        Assert.DoesNotContain("created relay data", second.Out);
    }

    [Theory]
    [InlineData("serve", "--help")]
    [InlineData("device", "add", "--help")]
    public async Task Help_names_each_default_once(params string[] args)
    {
        var (_, output, _) = await Run(args);

        Assert.DoesNotContain("Default:", output);
        Assert.Contains("[default: ", output);
    }

    public void Dispose() => _data.Dispose();
}
