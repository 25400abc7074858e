using System.Diagnostics;
using System.Security.Cryptography;
using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// Attachments between devices through a real relay process (127.0.0.1, real files): attached
/// offline, seen at once elsewhere as "not downloaded yet", downloaded byte-identical; uploads cut
/// by a SIGKILL of the relay or of the app resume from the relay's acknowledged offset.
/// </summary>
public sealed class AttachmentTests : IAsyncLifetime
{
    private readonly RelayFixture relay = new();
    private readonly TempDirectory files = new();

    public Task InitializeAsync() => relay.InitializeAsync();

    public async Task DisposeAsync()
    {
        await relay.DisposeAsync();
        files.Dispose();
    }

    private string Photo(string name, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        var path = files.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private string RelayFolder => Path.Combine(relay.DataDirectory, "attachments", "default");

    private string RelayPart(string sha) => Path.Combine(RelayFolder, "parts", sha + ".part");

    private string RelayBlob(string sha) => Path.Combine(RelayFolder, sha[..2], sha);

    private async Task OrderForAnaAsync(string id)
    {
        await using var dispatch = await relay.DeviceAsync("dispatch");
        await dispatch.Create(WorkOrderFields.Collection, id).Set(WorkOrderFields.Title, "Pump")
            .Set(WorkOrderFields.Status, WorkOrderStatus.Open).Set(WorkOrderFields.Assignee, "ana").SaveAsync();
        await dispatch.SyncAsync();
    }

    [Fact]
    public async Task A_photo_attached_offline_on_one_device_is_downloadable_byte_identical_on_another_after_both_sync()
    {
        await OrderForAnaAsync("WO-A1");
        await using var ana = await relay.DeviceAsync("ana");
        await using var office = await relay.DeviceAsync("dispatch");
        await ana.SyncAsync();
        var photo = Photo("before.jpg", 1_500_000, seed: 1);

        await ana.SetWorkOfflineAsync(true);
        var attached = await ana.AttachAsync("WO-A1", photo);
        // The same bytes attached again: a second element, one copy, one queue entry.
        await ana.AttachAsync("WO-A1", photo);
        Assert.Equal(AttachmentState.NotUploadedYet, attached.State);
        Assert.Equal("image/jpeg", attached.ContentType);
        Assert.Equal(Sha(photo), attached.Sha256);
        Assert.Single(Directory.GetFiles(ana.AttachmentFolder));
        Assert.Equal(1, ana.PendingAttachmentUploads);

        // The office sees nothing yet; once ana's edit is synced but not the bytes it says so.
        await office.SyncAsync();
        Assert.Empty(office.Attachments("WO-A1"));
        await ana.SetWorkOfflineAsync(false);
        await ana.SyncAsync();
        Assert.Equal(0, ana.PendingAttachmentUploads);
        Assert.All(ana.Attachments("WO-A1"), a => Assert.Equal(AttachmentState.Available, a.State));
        await office.SyncAsync();
        var seen = office.Attachments("WO-A1");
        Assert.Equal(2, seen.Count);
        Assert.All(seen, a => Assert.Equal(AttachmentState.NotDownloadedYet, a.State));

        var path = await office.FetchAttachmentAsync("WO-A1", attached.Sha256);

        Assert.Equal(await File.ReadAllBytesAsync(photo), await File.ReadAllBytesAsync(path));
        Assert.All(office.Attachments("WO-A1"), a => Assert.Equal(AttachmentState.Available, a.State));
        Assert.Equal(Sha(photo), Sha(Assert.Single(Directory.GetFiles(RelayFolder, "*", SearchOption.AllDirectories), f => !f.EndsWith(".json"))));
    }

    [Fact]
    public async Task An_element_whose_bytes_were_never_uploaded_says_not_uploaded_yet_instead_of_failing()
    {
        await OrderForAnaAsync("WO-A2");
        await using var ana = await relay.DeviceAsync("ana");
        await using var office = await relay.DeviceAsync("dispatch");
        await ana.SyncAsync();
        var attached = await ana.AttachAsync("WO-A2", Photo("plate.png", 10_000, seed: 2));
        // The edit reaches the relay, the bytes not (as if the upload had been cut before it began).
        File.Move(Path.Combine(ana.AttachmentFolder, attached.Sha256), files.File("aside"));
        await ana.SyncAsync();
        await office.SyncAsync();

        var missing = await Assert.ThrowsAsync<AttachmentNotAvailableException>(() => office.FetchAttachmentAsync("WO-A2", attached.Sha256));

        Assert.Contains("not uploaded yet", missing.Message);
        Assert.Equal(AttachmentState.NotDownloadedYet, Assert.Single(office.Attachments("WO-A2")).State);
    }

    [Fact]
    public async Task An_upload_cut_by_a_SIGKILL_of_the_relay_resumes_from_the_acknowledged_offset_after_its_restart()
    {
        await OrderForAnaAsync("WO-A3");
        await using var ana = await relay.DeviceAsync("ana");
        await ana.SyncAsync();
        const int Size = 6 * 1024 * 1024;
        var photo = Photo("big.jpg", Size, seed: 3);
        var attached = await ana.AttachAsync("WO-A3", photo);
        var reached = new TaskCompletionSource();
        using var release = new ManualResetEventSlim();
        var starts = new HashSet<long>();
        ana.AttachmentProgressChanged += (_, p) =>
        {
            lock (starts) starts.Add(p.ResumedFrom);
            if (p.Bytes >= 2 * 1024 * 1024 && reached.TrySetResult()) release.Wait(TimeSpan.FromSeconds(60));
        };

        var upload = ana.UploadAttachmentsAsync();
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await WaitUntilAsync(() => File.Exists(RelayPart(attached.Sha256)) && new FileInfo(RelayPart(attached.Sha256)).Length > 0);
        relay.Relay.Kill();
        release.Set();
        var cut = await upload;
        Assert.Equal(new AttachmentUploadSummary(0, 1, 0), cut);
        var acknowledged = new FileInfo(RelayPart(attached.Sha256)).Length;
        Assert.InRange(acknowledged, 1, Size - 1);

        await relay.Relay.RestartAsync();
        lock (starts) starts.Clear();
        var resumed = await ana.UploadAttachmentsAsync();

        Assert.Equal(new AttachmentUploadSummary(1, 0, 0), resumed);
        Assert.Equal(acknowledged, Assert.Single(starts));
        Assert.False(File.Exists(RelayPart(attached.Sha256)));
        Assert.Equal(Sha(photo), Sha(RelayBlob(attached.Sha256)));
    }

    [Fact]
    public async Task An_upload_cut_by_killing_the_app_resumes_from_the_acknowledged_offset_in_the_next_run()
    {
        await OrderForAnaAsync("WO-A4");
        var db = files.File("ana-app.db");
        string sha;
        await using (var ana = await DeviceReplica.OpenAsync(db))
        {
            await ana.SignInAsync(relay.Url, relay.Tokens["ana"], "ana");
            await ana.SyncAsync();
            await ana.SetWorkOfflineAsync(true);
            sha = (await ana.AttachAsync("WO-A4", Photo("app.jpg", 6 * 1024 * 1024, seed: 4))).Sha256;
            await ana.SetWorkOfflineAsync(false);
        }

        using (var app = ProcessRunner.Start(RepoPaths.FieldAppDll, ["--db", db, "upload-attachments", "--pause-after", (2 * 1024 * 1024).ToString()]))
        {
            var line = "";
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (!line.StartsWith("paused at", StringComparison.Ordinal))
                line = await app.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("FieldApp ended before pausing: " + await app.StandardError.ReadToEndAsync());
            await WaitUntilAsync(() => File.Exists(RelayPart(sha)) && new FileInfo(RelayPart(sha)).Length > 0);
            app.Kill(entireProcessTree: true);
            await app.WaitForExitAsync();
        }
        // The relay notices the reset and closes the part; its length is the acknowledged offset.
        long acknowledged = -1;
        await WaitUntilAsync(() =>
        {
            var now = new FileInfo(RelayPart(sha)).Length;
            var stable = now == acknowledged;
            acknowledged = now;
            return stable;
        }, pause: 300);
        Assert.InRange(acknowledged, 1, 6 * 1024 * 1024 - 1);

        var next = await ProcessRunner.RunAsync(RepoPaths.FieldAppDll, ["--db", db, "upload-attachments"]);

        Assert.Equal(0, next.ExitCode);
        Assert.Contains($"uploading {sha} from offset {acknowledged}", next.Stdout);
        Assert.Contains("uploaded 1, pending 0, refused 0", next.Stdout);
        Assert.Equal(sha, Sha(RelayBlob(sha)));
        Assert.False(File.Exists(RelayPart(sha)));
        var listed = await ProcessRunner.RunAsync(RepoPaths.FieldAppDll, ["--db", db, "--json", "attachments", "WO-A4"]);
        using var json = System.Text.Json.JsonDocument.Parse(listed.Stdout);
        Assert.Equal("available", json.RootElement.GetProperty("attachments")[0].GetProperty("state").GetString());
    }

    [Fact]
    public async Task An_attachment_the_tenant_policy_refuses_is_marked_refused_and_does_not_hold_up_the_queue()
    {
        var policy = await ProcessRunner.RunAsync(RepoPaths.RelayDll, ["attachments-policy", "--data", relay.DataDirectory, "--types", "image/*"]);
        Assert.Equal(0, policy.ExitCode);
        await OrderForAnaAsync("WO-A5");
        await using var ana = await relay.DeviceAsync("ana");
        await ana.SyncAsync();
        var pdf = await ana.AttachAsync("WO-A5", Photo("report.pdf", 5000, seed: 5));
        var photo = await ana.AttachAsync("WO-A5", Photo("after.jpg", 5000, seed: 6));

        var summary = await ana.UploadAttachmentsAsync();

        Assert.Equal(new AttachmentUploadSummary(1, 0, 1), summary);
        var states = ana.Attachments("WO-A5").ToDictionary(a => a.Sha256);
        Assert.Equal(AttachmentState.UploadRefused, states[pdf.Sha256].State);
        Assert.Contains("media type 'application/pdf' is not allowed", states[pdf.Sha256].Refused);
        Assert.Equal(AttachmentState.Available, states[photo.Sha256].State);
        Assert.False(File.Exists(RelayBlob(pdf.Sha256)));
        Assert.False(File.Exists(RelayPart(pdf.Sha256)));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, int pause = 20)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("condition not met in 60 s");
            await Task.Delay(pause);
        }
    }
}
