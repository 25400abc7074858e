using System.Security.Cryptography;
using Crdt.Core;

namespace Crdt.Core.Tests;

/// <summary>
/// Customer signatures (issue 14): the statement re-derived from the element verifies on every
/// replica, any changed byte of signature, statement part or image fails, and a change of labour or
/// parts after (or while) the customer signed raises SignedContentChanged alike everywhere.
/// </summary>
public sealed class SignatureTests
{
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-1");
    private static readonly byte[] Image = [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3, 4, 5];

    private static Device WithWork()
    {
        var device = new Device("tablet-1");
        device.Create(Order, "ana", Device.At(8), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.InProgress).Set(WorkOrderFields.Title, "Pump")
            .Add(WorkOrderFields.TimeEntries, "te-1", (TimeEntryFields.Hours, 2.5m), (TimeEntryFields.Tech, "ana"))
            .Add(WorkOrderFields.PartsUsed, "pu-1", (PartUsedFields.Qty, 3m), (PartUsedFields.Sku, "SEAL-9")));
        return device;
    }

    private static Dictionary<string, FieldValue> Sign(Device device, ECDsa key, string element = "sig-1") =>
        CustomerSignatures.Create(Order, element, "Maria Lopez", DateTimeOffset.FromUnixTimeMilliseconds(Device.At(10)), Image,
            device.Documents.SignedContentOf(Order)!, key, "tablet-1");

    private static void Capture(Device device, ECDsa key, int hour = 10) =>
        device.Edit(Order, "ana", Device.At(hour), m => m.Add(WorkOrderFields.Signatures, "sig-1", Sign(device, key)));

    [Fact]
    public void A_signature_verifies_on_every_replica_that_receives_it()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var tablet = WithWork();
        Capture(tablet, key);
        var office = new Device("office-1");
        var other = new Device("tablet-2");
        office.ReceiveFrom(tablet, Device.At(11));
        other.ReceiveFrom(tablet, Device.At(11));

        foreach (var device in new[] { tablet, office, other })
        {
            var result = Assert.Single(device.Documents.VerifySignatures(Order));
            Assert.True(result.IsValid, result.Problem);
            Assert.Equal("Maria Lopez", result.Statement!.Signer);
            Assert.Equal(SigningKeyId.Of(key.ExportSubjectPublicKeyInfo()), result.Statement.KeyId);
            Assert.Empty(device.Documents.Flags(Order).Where(f => f.Kind == FlagKind.SignedContentChanged));
        }
    }

    [Theory]
    [InlineData(SignatureFields.Signature, "signature")]
    [InlineData(SignatureFields.Image, "image")]
    [InlineData(SignatureFields.Signer, "signature")]
    [InlineData(SignatureFields.Covered, "signature")]
    [InlineData(SignatureFields.PublicKey, "keyId")]
    public void One_changed_byte_makes_it_fail_naming_the_field(string field, string named)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var fields = Sign(WithWork(), key);
        Assert.True(CustomerSignatures.Verify(Order, "sig-1", fields).IsValid);

        fields[field] = Flip(fields[field]);

        var result = CustomerSignatures.Verify(Order, "sig-1", fields);
        Assert.False(result.IsValid);
        Assert.Contains($"'{named}'", result.Problem);
    }

    [Fact]
    public void The_statement_binds_document_element_and_time()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var fields = Sign(WithWork(), key);

        Assert.False(CustomerSignatures.Verify(new DocumentKey(WorkOrderFields.Collection, "wo-2"), "sig-1", fields).IsValid);
        Assert.False(CustomerSignatures.Verify(Order, "sig-2", fields).IsValid);
        fields[SignatureFields.SignedAt] = FieldValue.TimestampMs(Device.At(10) + 1);
        Assert.False(CustomerSignatures.Verify(Order, "sig-1", fields).IsValid);
    }

    [Fact]
    public void Another_keys_signature_under_this_key_id_fails()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var thief = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var fields = Sign(WithWork(), key);
        var forged = Sign(WithWork(), thief);
        fields[SignatureFields.Signature] = forged[SignatureFields.Signature];

        var result = CustomerSignatures.Verify(Order, "sig-1", fields);

        Assert.False(result.IsValid);
        Assert.Contains("does not verify", result.Problem);
    }

    [Fact]
    public void The_statement_text_is_the_documented_format()
    {
        var statement = new SignatureStatement(Order, "sig-1", "Maria Lopez", 1767261600000, "ab", "cd", "k-01");

        Assert.Equal("crdtfieldstore-signature/1\ndocument 9:WorkOrder 4:wo-1\nelement 5:sig-1\nsigner 11:Maria Lopez\nsigned-at 1767261600000\n" +
            "image-sha256 ab\ncovered-sha256 cd\nkey 4:k-01\n", statement.ToText());
    }

    [Fact]
    public void Covered_text_lists_status_work_and_totals()
    {
        var covered = WithWork().Documents.SignedContentOf(Order);

        Assert.Equal("crdtfieldstore-covered/1\nstatus 11:in_progress\n" +
            "time 4:te-1 hours 2.5 tech 3:ana startedAt -\npart 4:pu-1 qty 3 part - sku 6:SEAL-9\ntotal-hours 2.5\ntotal-parts 3\n", covered);
    }

    [Fact]
    public void Hours_changed_after_signing_raise_a_review_flag_on_every_replica_and_a_status_change_does_not()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var tablet = WithWork();
        Capture(tablet, key);
        tablet.Edit(Order, "ana", Device.At(10, 30), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.OnHold));
        Assert.Empty(tablet.Documents.Flags(Order));

        var office = new Device("office-1");
        office.ReceiveFrom(tablet, Device.At(11));
        office.Edit(Order, "dina", Device.At(12), m => m.SetElement(WorkOrderFields.TimeEntries, "te-1", TimeEntryFields.Hours, 4m));
        tablet.ReceiveFrom(office, Device.At(13));

        var flag = Assert.Single(office.Documents.Flags(Order));
        Assert.Equal(FlagKind.SignedContentChanged, flag.Kind);
        Assert.Equal(FlagSeverity.Review, flag.Severity);
        Assert.Equal("sig-1", flag.ElementId);
        Assert.Contains("signed for 2.5 hours and 3 parts", flag.Message);
        Assert.Contains("now shows 4 hours and 3 parts", flag.Message);
        Assert.Equal([flag.Id], tablet.Documents.Flags(Order).Select(f => f.Id));
        // The signature itself still verifies: the flag, not a broken signature, says the work changed.
        Assert.True(Assert.Single(tablet.Documents.VerifySignatures(Order)).IsValid);

        office.Resolve(flag.Id, Resolution.KeepTheirs, "dina", Device.At(14));
        Assert.Equal(FlagState.Resolved, Assert.Single(office.Documents.Flags(Order)).State);
        office.Edit(Order, "dina", Device.At(15), m => m.Add(WorkOrderFields.PartsUsed, "pu-2", (PartUsedFields.Qty, 1m)));
        Assert.Contains(office.Documents.Flags(Order), f => f.State == FlagState.Open && f.Kind == FlagKind.SignedContentChanged);
    }

    [Fact]
    public void Work_added_concurrently_with_the_signature_raises_the_flag_once_both_meet()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var tablet = WithWork();
        var other = new Device("tablet-2");
        other.ReceiveFrom(tablet, Device.At(9));
        Capture(tablet, key);
        other.Edit(Order, "ben", Device.At(10, 5), m => m.Add(WorkOrderFields.TimeEntries, "te-2", (TimeEntryFields.Hours, 1.5m)));
        Assert.Empty(tablet.Documents.Flags(Order));

        Device.Exchange(tablet, other, Device.At(11));

        var flag = Assert.Single(tablet.Documents.Flags(Order));
        Assert.Equal(FlagKind.SignedContentChanged, flag.Kind);
        Assert.Contains("now shows 4 hours", flag.Message);
        Assert.Equal([flag.Id], other.Documents.Flags(Order).Select(f => f.Id));
    }

    private static FieldValue Flip(FieldValue value)
    {
        if (value.Kind == FieldValueKind.Bytes)
        {
            var bytes = value.AsBytes().ToArray();
            bytes[bytes.Length / 2] ^= 0x01;
            return FieldValue.Bytes(bytes);
        }
        var text = value.AsString().ToCharArray();
        text[text.Length / 2] = (char)(text[text.Length / 2] ^ 0x01);
        return FieldValue.String(new string(text));
    }
}
