using System.Security.Cryptography;
using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Google.Protobuf;
using Grpc.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Sync;

/// <summary>
/// Customer signatures on the relay (issue 14): keys are registered per device with a proof of
/// possession; a pushed signature must verify and name a key registered to the pushing device, else
/// the whole batch is refused (INVALID_ARGUMENT naming the element) and nothing is stored; the office,
/// not a technician, resolves SignedContentChanged.
/// </summary>
public sealed class SignatureTests : IAsyncLifetime
{
    private static readonly byte[] Image = [0x89, (byte)'P', (byte)'N', (byte)'G', 9, 8, 7, 6];
    private TestRelay _relay = null!;
    private RelayClient _dispatcher = null!;
    private RelayClient _tom = null!;
    private RelayClient _ana = null!;
    private readonly Device _board = new("board-1", "dina");
    private readonly Device _tablet = new("tablet-tom", "tom");
    private readonly ECDsa _tomKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _anaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public async Task InitializeAsync()
    {
        _relay = await TestRelay.StartAsync();
        _dispatcher = await _relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        _tom = await _relay.DeviceAsync("tom", DeviceRoleKind.Technician);
        _ana = await _relay.DeviceAsync("ana", DeviceRoleKind.Technician);
        var create = _board.CreateOrder("wo-1", "tom");
        var hours = _board.AddHours("wo-1", "te-1", 2.5m);
        await _dispatcher.PushAsync(create, hours);
        _tablet.Receive([create, hours]);
        await RegisterAsync(_tom, _tomKey);
        await RegisterAsync(_ana, _anaKey);
    }

    public async Task DisposeAsync()
    {
        _tomKey.Dispose();
        _anaKey.Dispose();
        await _relay.DisposeAsync();
    }

    private static Task<Wire.RegisterSigningKeyResponse> RegisterAsync(RelayClient client, ECDsa key, string? proveFor = null)
    {
        var publicKey = key.ExportSubjectPublicKeyInfo();
        var proof = key.SignData(SigningKeyId.RegistrationProof("default", proveFor ?? client.Name, publicKey), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return client.Sync.RegisterSigningKeyAsync(new Wire.RegisterSigningKeyRequest
        {
            PublicKey = ByteString.CopyFrom(publicKey),
            Proof = ByteString.CopyFrom(proof),
        }, client.Options()).ResponseAsync;
    }

    private Dictionary<string, FieldValue> Signed(ECDsa key, string element = "sig-1") =>
        CustomerSignatures.Create(Device.Order("wo-1"), element, "Maria Lopez", DateTimeOffset.UtcNow, Image,
            _tablet.Documents.SignedContentOf(Device.Order("wo-1"))!, key, "tablet-tom");

    private Op SignatureOp(Dictionary<string, FieldValue> fields, string element = "sig-1") =>
        _tablet.Editor.Edit(Device.Order("wo-1"), "tom", Device.Now, m => m.Add(WorkOrderFields.Signatures, element, fields));

    private async Task<RpcException> RefusedAsync(RelayClient client, params Op[] ops)
    {
        var head = await _relay.Host.Store.GetHeadAsync("default");
        var error = await Assert.ThrowsAsync<RpcException>(() => client.PushAsync(ops));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(head, await _relay.Host.Store.GetHeadAsync("default"));
        return error;
    }

    [Fact]
    public async Task A_registered_devices_signature_is_stored_and_verifies_for_a_device_that_pulls_it()
    {
        var response = await _tom.PushAsync(SignatureOp(Signed(_tomKey)));
        Assert.Equal(1u, response.Stored);

        var office = new Device("office-2", "dina");
        foreach (var item in await _dispatcher.PullAsync())
        {
            if (item.Op is { } op) office.Receive([Wire.CoreMessages.ToOp(op)]);
            if (item.Document is { } snapshot) Wire.CoreMessages.MergeSnapshot(office.Documents, snapshot);
        }
        var result = Assert.Single(office.Documents.VerifySignatures(Device.Order("wo-1")));
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(SigningKeyId.Of(_tomKey.ExportSubjectPublicKeyInfo()), result.Statement!.KeyId);
        var keys = await ((ISigningKeyStore)_relay.Host.Store).ListSigningKeysAsync("default", "tom");
        Assert.Equal([result.Statement.KeyId], keys.Select(k => k.KeyId));
    }

    [Theory]
    [InlineData(SignatureFields.Signature, "'signature'")]
    [InlineData(SignatureFields.Image, "'image'")]
    [InlineData(SignatureFields.Signer, "'signature'")]
    [InlineData(SignatureFields.Covered, "'signature'")]
    public async Task One_flipped_byte_refuses_the_whole_batch_naming_the_element(string field, string named)
    {
        var fields = Signed(_tomKey);
        fields[field] = Flip(fields[field]);
        var good = _tablet.AddHours("wo-1", "te-2", 1m);

        var error = await RefusedAsync(_tom, good, SignatureOp(fields));

        Assert.Contains("element 'signatures.sig-1'", error.Status.Detail);
        Assert.Contains("does not verify", error.Status.Detail);
        Assert.Contains(named, error.Status.Detail);
    }

    [Fact]
    public async Task A_signature_claiming_another_devices_key_is_refused_and_nothing_applied()
    {
        var error = await RefusedAsync(_tom, SignatureOp(Signed(_anaKey)));

        Assert.Contains("element 'signatures.sig-1'", error.Status.Detail);
        Assert.Contains($"key {SigningKeyId.Of(_anaKey.ExportSubjectPublicKeyInfo())} is not registered to device 'tom'", error.Status.Detail);
        var order = await _dispatcher.GetAsync(WorkOrderFields.Collection, "wo-1");
        Assert.Empty(order.Sets.TryGetValue(WorkOrderFields.Signatures, out var signatures) ? signatures.Elements : []);
    }

    [Fact]
    public async Task An_unregistered_key_is_refused()
    {
        using var stray = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var error = await RefusedAsync(_tom, SignatureOp(Signed(stray)));

        Assert.Contains("is not registered to device 'tom'", error.Status.Detail);
    }

    [Fact]
    public async Task A_captured_signature_cannot_be_edited()
    {
        await _tom.PushAsync(SignatureOp(Signed(_tomKey)));
        var edit = _tablet.Editor.Edit(Device.Order("wo-1"), "tom", Device.Now, m => m.SetElement(WorkOrderFields.Signatures, "sig-1", SignatureFields.Signer, "Someone Else"));

        var error = await RefusedAsync(_tom, edit);

        Assert.Contains("cannot be changed", error.Status.Detail);
    }

    [Fact]
    public async Task Registration_needs_a_proof_for_the_callers_own_registration_and_a_P256_key()
    {
        var wrongDevice = await Assert.ThrowsAsync<RpcException>(() => RegisterAsync(_tom, _anaKey, proveFor: "ana"));
        Assert.Equal(StatusCode.InvalidArgument, wrongDevice.StatusCode);
        Assert.Contains("'proof'", wrongDevice.Status.Detail);

        using var rsa = RSA.Create(2048);
        var notEc = await Assert.ThrowsAsync<RpcException>(() => _tom.Sync.RegisterSigningKeyAsync(new Wire.RegisterSigningKeyRequest
        {
            PublicKey = ByteString.CopyFrom(rsa.ExportSubjectPublicKeyInfo()),
            Proof = ByteString.CopyFrom(new byte[64]),
        }, _tom.Options()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, notEc.StatusCode);
        Assert.Contains("'public_key'", notEc.Status.Detail);

        var again = await RegisterAsync(_tom, _tomKey);
        Assert.Equal(SigningKeyId.Of(_tomKey.ExportSubjectPublicKeyInfo()), again.KeyId);
    }

    [Fact]
    public async Task Hours_changed_after_signing_raise_a_flag_the_office_resolves_and_a_technician_may_not()
    {
        await _tom.PushAsync(SignatureOp(Signed(_tomKey)));
        await _dispatcher.PushAsync(_board.AddHours("wo-1", "te-9", 1.5m));

        var flag = Assert.Single((await _dispatcher.ListFlagsAsync()).Flags);
        Assert.Equal(Wire.FlagKind.SignedContentChanged, flag.Kind);
        Assert.Contains("signed for 2.5 hours", flag.Message);
        Assert.Contains("now shows 4 hours", flag.Message);

        var denied = await Assert.ThrowsAsync<RpcException>(() => _tom.ResolveFlagAsync(flag.Document, flag.Id, Wire.Resolution.KeepTheirs));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        await _dispatcher.ResolveFlagAsync(flag.Document, flag.Id, Wire.Resolution.KeepTheirs);
        Assert.Empty((await _dispatcher.ListFlagsAsync()).Flags);
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
