using Crdt.Relay.Cli;
using Crdt.Relay.Storage.Blobs;

namespace Crdt.Relay.Tests.Attachments;

/// <summary><c>crdt-relay attachments-policy</c> on a data folder: shows the policy, changes the
/// parts given, refuses nonsense with exit code 2 and keeps the policy as it was.</summary>
public sealed class AttachmentsPolicyCliTests : IDisposable
{
    private readonly TempFolder folder = new();

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await RelayCli.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task The_operator_shows_and_changes_a_tenants_policy_and_bad_values_change_nothing()
    {
        Assert.Equal(0, (await Run("device", "add", "--data", folder.Path, "--name", "ana", "--role", "technician")).Exit);

        var shown = await Run("attachments-policy", "--data", folder.Path);
        Assert.Equal(0, shown.Exit);
        Assert.Contains("max size 26214400 bytes; media types any; agenda pre-downloads those up to 1024 KiB", shown.Out);

        var set = await Run("attachments-policy", "--data", folder.Path, "--max-size", "10MiB", "--types", "image/*,application/pdf", "--predownload", "all");
        Assert.Equal(0, set.Exit);
        Assert.Contains("max size 10485760 bytes; media types image/*, application/pdf; agenda pre-downloads all", set.Out);

        var bad = await Run("attachments-policy", "--data", folder.Path, "--types", "photos");
        Assert.Equal(2, bad.Exit);
        Assert.Contains("allowed_media_types: 'photos'", bad.Err);
        var badSize = await Run("attachments-policy", "--data", folder.Path, "--max-size", "lots");
        Assert.Equal(2, badSize.Exit);
        Assert.Contains("--max-size 'lots'", badSize.Err);

        await using var blobs = new FileBlobStore(folder.Path);
        var kept = await blobs.GetPolicyAsync("default", default);
        Assert.Equal(10L * 1024 * 1024, kept!.MaxSizeBytes);
        Assert.Equal(["image/*", "application/pdf"], kept.AllowedMediaTypes);
    }

    public void Dispose() => folder.Dispose();
}
