using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// FieldApp's <c>login</c> asks the relay whose token it is (Sync.WhoAmI) before keeping it: a
/// wrong token, a name that is not the registered one and an unreachable relay are refused in one
/// line with exit code 1 and nothing signed in; without <c>--user</c> the person is the registered
/// name; <c>--offline</c> signs in unchecked when the relay cannot be reached.
/// </summary>
public sealed class LoginTests : IClassFixture<RelayFixture>
{
    private const string DeadRelay = "http://127.0.0.1:9";
    private readonly RelayFixture relay;

    public LoginTests(RelayFixture relay) => this.relay = relay;

    private static Task<Crdt.Testing.ProcessResult> FieldApp(params string[] args) => ProcessRunner.RunAsync(RepoPaths.FieldAppDll, args);

    private static async Task<string?> SignedInUser(string db)
    {
        await using var replica = await DeviceReplica.OpenAsync(db);
        return replica.CurrentUser;
    }

    [Fact]
    public async Task Without_user_the_person_is_the_name_the_operator_registered()
    {
        using var dir = new TempDirectory();
        var db = dir.File("ana.db");

        var login = await FieldApp("--db", db, "login", "--relay", relay.Url, "--token", relay.Tokens["ana"]);

        Assert.Equal(0, login.ExitCode);
        Assert.Contains("signed in as ana", login.Stdout);
        Assert.Equal("ana", await SignedInUser(db));
    }

    [Fact]
    public async Task A_token_the_relay_does_not_know_is_refused_and_nothing_is_signed_in()
    {
        using var dir = new TempDirectory();
        var db = dir.File("x.db");

        var login = await FieldApp("--db", db, "login", "--relay", relay.Url, "--token", "not-a-registered-token-at-all");

        Assert.Equal(1, login.ExitCode);
        var line = Assert.Single(login.Stderr.TrimEnd().Split('\n'));
        Assert.Contains("does not know this token", line);
        Assert.Null(await SignedInUser(db));
    }

    [Fact]
    public async Task A_user_name_that_is_not_the_tokens_registration_is_refused()
    {
        using var dir = new TempDirectory();
        var db = dir.File("ben.db");

        var login = await FieldApp("--db", db, "login", "--relay", relay.Url, "--token", relay.Tokens["ana"], "--user", "ben");

        Assert.Equal(1, login.ExitCode);
        var line = Assert.Single(login.Stderr.TrimEnd().Split('\n'));
        Assert.Contains("--user 'ben' is not who this token belongs to", line);
        Assert.Contains("'ana'", line);
        Assert.Null(await SignedInUser(db));
    }

    [Fact]
    public async Task An_unreachable_relay_is_named_and_offline_sign_in_is_offered_and_works()
    {
        using var dir = new TempDirectory();
        var db = dir.File("field.db");

        var checkedLogin = await FieldApp("--db", db, "login", "--relay", DeadRelay, "--token", relay.Tokens["ana"]);
        var withoutName = await FieldApp("--db", db, "login", "--relay", DeadRelay, "--token", relay.Tokens["ana"], "--offline");
        Assert.Null(await SignedInUser(db));
        var offline = await FieldApp("--db", db, "login", "--relay", DeadRelay, "--token", relay.Tokens["ana"], "--offline", "--user", "ana");

        Assert.Equal(1, checkedLogin.ExitCode);
        var line = Assert.Single(checkedLogin.Stderr.TrimEnd().Split('\n'));
        Assert.Contains("cannot be reached", line);
        Assert.Contains("--offline", line);
        Assert.Equal(1, withoutName.ExitCode);
        Assert.Contains("--offline needs --user", withoutName.Stderr);
        Assert.Equal(0, offline.ExitCode);
        Assert.Equal("ana", await SignedInUser(db));
    }
}
