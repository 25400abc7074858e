using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// The FieldApp command line as a person meets it: a mistyped command or value gets one line
/// that names the problem (and the likely intended word) with exit code 2, and the backup
/// commands report the counts the backup really holds.
/// </summary>
public sealed class FieldAppCliTests
{
    private static Task<Crdt.Testing.ProcessResult> FieldApp(params string[] args) => ProcessRunner.RunAsync(RepoPaths.FieldAppDll, args);

    [Theory]
    [InlineData("unknown command 'sycn'; did you mean 'sync'?", "sycn")]
    [InlineData("'yes' is not one of on, off", "offline", "yes")]
    [InlineData("'keepmine' is not one of keep-mine, keep-theirs, accept, discard; did you mean 'keep-mine'?", "resolve", "ce-1", "keepmine")]
    [InlineData("no command given; one of: login, sync,")]
    public async Task A_usage_mistake_gets_one_line_naming_it_and_exit_code_2(string expected, params string[] args)
    {
        using var dir = new TempDirectory();

        var result = await FieldApp(["--db", dir.File("d.db"), .. args]);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("error: " + expected, line);
    }

    [Fact]
    public async Task Restoring_a_backup_into_a_new_file_reports_the_ops_it_restored()
    {
        using var dir = new TempDirectory();
        var source = dir.File("source.db");
        Assert.Equal(0, (await FieldApp("--db", source, "create", "workorder", "--id", "WO-1", "title=Pump")).ExitCode);
        Assert.Equal(0, (await FieldApp("--db", source, "hours", "WO-1", "2")).ExitCode);
        Assert.Equal(0, (await FieldApp("--db", source, "hours", "WO-1", "1.5")).ExitCode);
        var backup = dir.File("b.crdtbackup");
        var exported = await FieldApp("--db", source, "backup", "export", backup);
        Assert.Equal(0, exported.ExitCode);

        var restored = await FieldApp("--db", dir.File("restored.db"), "--json", "backup", "import", backup);

        Assert.Equal(0, restored.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(restored.Stdout);
        var summary = await DeviceReplica.InspectBackupAsync(backup);
        Assert.Equal(3, summary.Ops);
        Assert.Equal(summary.Ops, json.RootElement.GetProperty("ops").GetInt32());
        Assert.Equal(summary.Pending, json.RootElement.GetProperty("pending").GetInt32());
    }
}
