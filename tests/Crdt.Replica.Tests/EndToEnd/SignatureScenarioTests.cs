using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// Customer signatures through a real relay process (issue 14): captured offline on a technician's
/// device, registered and verified by the relay on push, verified again on two other devices; hours
/// changed afterwards by the office raise the same SignedContentChanged flag on every device.
/// </summary>
public sealed class SignatureScenarioTests(RelayFixture relay) : IClassFixture<RelayFixture>
{
    private static readonly byte[] Image = [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0, 0, 13];

    [Fact]
    public async Task A_signature_captured_offline_verifies_on_the_relay_and_on_two_other_devices_and_later_work_raises_the_same_flag_everywhere()
    {
        await using var dispatch = await relay.DeviceAsync("dispatch");
        await using var ana = await relay.DeviceAsync("ana");
        await dispatch.Create(WorkOrderFields.Collection, "WO-S1")
            .Set(WorkOrderFields.Status, WorkOrderStatus.InProgress).Set(WorkOrderFields.Title, "Boiler service").Set(WorkOrderFields.Assignee, "ana")
            .SaveAsync();
        await dispatch.SyncAsync();
        await ana.CheckOutAgendaAsync();
        Assert.NotNull(ana.SigningKeyId);

        await ana.SetWorkOfflineAsync(true);
        await ana.EditWorkOrder("WO-S1").AddHours(2.5m, "repair").SaveAsync();
        var captured = await ana.CaptureSignatureAsync("WO-S1", "Maria Lopez", Image);
        Assert.True(captured.IsValid, captured.Problem);
        Assert.Equal(ana.SigningKeyId, captured.Statement!.KeyId);
        await ana.SetWorkOfflineAsync(false);
        await ana.SyncAsync();
        Assert.Equal(0, ana.PendingCount);
        Assert.Empty(ana.RefusedEdits());

        await dispatch.SyncAsync();
        await using var observer = await relay.DeviceAsync("dispatch");
        await observer.SyncAsync();
        foreach (var device in new[] { dispatch, observer })
        {
            var result = device.VerifySignature("WO-S1", captured.ElementId);
            Assert.True(result.IsValid, result.Problem);
            Assert.Equal(captured.Statement, result.Statement);
        }

        await dispatch.EditWorkOrder("WO-S1").AddHours(1.5m, "paperwork").SaveAsync();
        await dispatch.SyncAsync();
        await ana.SyncAsync();
        await observer.SyncAsync();
        var flags = new[] { dispatch, ana, observer }.Select(d => d.Flags().Single()).ToList();
        Assert.All(flags, f => Assert.Equal(FlagKind.SignedContentChanged, f.Kind));
        Assert.Single(flags.Select(f => f.Id).Distinct());
        Assert.Contains("signed for 2.5 hours and 0 parts", flags[0].Message);
        Assert.Contains("now shows 4 hours", flags[0].Message);
        Assert.All(new[] { dispatch, ana, observer }, d => Assert.True(d.VerifySignature("WO-S1", captured.ElementId).IsValid));
    }
}
