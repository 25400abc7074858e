using System.Text.Json;
using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>FieldApp's sign and verify commands against a real relay process (issue 14).</summary>
public sealed class FieldAppSignatureTests(RelayFixture relay) : IClassFixture<RelayFixture>
{
    private static Task<Crdt.Testing.ProcessResult> FieldApp(params string[] args) => ProcessRunner.RunAsync(RepoPaths.FieldAppDll, args);

    [Fact]
    public async Task Sign_then_verify_as_json_on_the_device_and_the_office_sees_later_work_as_changed_content()
    {
        using var dir = new TempDirectory();
        var db = dir.File("ana.db");
        var image = dir.File("signature.png");
        await File.WriteAllBytesAsync(image, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        await using var dispatch = await relay.DeviceAsync("dispatch");
        await dispatch.Create(WorkOrderFields.Collection, "WO-FS1")
            .Set(WorkOrderFields.Status, WorkOrderStatus.InProgress).Set(WorkOrderFields.Title, "Pump").Set(WorkOrderFields.Assignee, "ana").SaveAsync();
        await dispatch.SyncAsync();
        Assert.Equal(0, (await FieldApp("--db", db, "login", "--relay", relay.Url, "--token", relay.Tokens["ana"])).ExitCode);
        Assert.Equal(0, (await FieldApp("--db", db, "agenda")).ExitCode);
        Assert.Equal(0, (await FieldApp("--db", db, "hours", "WO-FS1", "2.5")).ExitCode);

        var signed = await FieldApp("--db", db, "--json", "sign", "WO-FS1", "--signer", "Maria Lopez", "--image", image);
        Assert.Equal(0, signed.ExitCode);
        var element = JsonDocument.Parse(signed.Stdout).RootElement.GetProperty("signature").GetProperty("element").GetString();
        Assert.Equal(0, (await FieldApp("--db", db, "sync")).ExitCode);

        await dispatch.SyncAsync();
        Assert.True(dispatch.VerifySignature("WO-FS1", element!).IsValid);
        await dispatch.EditWorkOrder("WO-FS1").AddHours(1, "extra").SaveAsync();
        await dispatch.SyncAsync();
        Assert.Equal(0, (await FieldApp("--db", db, "sync")).ExitCode);

        var verified = await FieldApp("--db", db, "--json", "verify", "WO-FS1");
        Assert.Equal(0, verified.ExitCode);
        var root = JsonDocument.Parse(verified.Stdout).RootElement;
        Assert.True(root.GetProperty("allValid").GetBoolean());
        var signature = Assert.Single(root.GetProperty("signatures").EnumerateArray());
        Assert.Equal("Maria Lopez", signature.GetProperty("signer").GetString());
        var changed = Assert.Single(root.GetProperty("contentChanged").EnumerateArray());
        Assert.Contains("signed for 2.5 hours and 0 parts", changed.GetProperty("message").GetString());
        Assert.Contains("now shows 3.5 hours", changed.GetProperty("message").GetString());
    }
}
