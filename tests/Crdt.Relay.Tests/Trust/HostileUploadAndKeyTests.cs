using System.Security.Cryptography;
using Crdt.Core;
using Crdt.Core.Wire;
using Crdt.Relay.Storage;
using Crdt.Relay.Sync;
using Crdt.Relay.Tests.Support;
using Google.Protobuf;
using Grpc.Core;
using static Crdt.Relay.Tests.Attachments.AttachmentCalls;

namespace Crdt.Relay.Tests.Trust;

/// <summary>
/// What a holder of a valid technician token (a stolen tablet, a buggy client) sends to the
/// attachment and signing-key calls of issue 14: extreme numbers, malformed strings, other people's
/// documents. Each is refused with its status and leaves nothing behind; the push-side holes
/// (author, context, scope, bounds) are in <see cref="TrustHoleTests"/>.
/// </summary>
public sealed class HostileUploadAndKeyTests : IAsyncLifetime
{
    private const long AttachmentsLimit = 2L * 1024 * 1024 * 1024;

    private TestRelay _relay = null!;
    private RelayClient _dispatcher = null!;
    private RelayClient _ana = null!;
    private RelayClient _ben = null!;

    public async Task InitializeAsync()
    {
        _relay = await TestRelay.StartAsync();
        _dispatcher = await _relay.DeviceAsync("dispatch", DeviceRoleKind.Dispatcher);
        _ana = await _relay.DeviceAsync("ana", DeviceRoleKind.Technician);
        _ben = await _relay.DeviceAsync("ben", DeviceRoleKind.Technician);
    }

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    private string[] StoredFiles()
    {
        var folder = Path.Combine(_relay.DataDirectory, "attachments");
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("policy.json")).ToArray()
            : [];
    }

    [Fact]
    public async Task Upload_headers_with_extreme_or_malformed_values_are_refused_and_nothing_is_kept()
    {
        var bytes = RandomBytes(5_000, seed: 21);
        var sha = Sha(bytes);
        await CreateOrderWithAttachmentAsync(_dispatcher, "WO-ana", "ana", sha, bytes.Length);

        var cases = new (Func<Task> Call, StatusCode Expected, string Names)[]
        {
            (() => StatusAsync(_ana, new string('a', 100_000), 10), StatusCode.InvalidArgument, "not 64 lowercase hex"),
            (() => StatusAsync(_ana, sha.ToUpperInvariant(), bytes.Length), StatusCode.InvalidArgument, "not 64 lowercase hex"),
            (() => UploadAsync(_ana, sha, bytes, size: long.MaxValue), StatusCode.ResourceExhausted, "over the tenant's limit"),
            (() => UploadAsync(_ana, sha, bytes, size: -1), StatusCode.InvalidArgument, "negative"),
            (() => UploadAsync(_ana, sha, bytes, type: new string('x', 1_000_000)), StatusCode.InvalidArgument, "not a media type"),
            (() => HeaderOnlyAsync(_ana, sha, bytes.Length, offset: long.MaxValue), StatusCode.FailedPrecondition, "resume from offset 0"),
            (() => HeaderOnlyAsync(_ana, sha, bytes.Length, offset: -5), StatusCode.FailedPrecondition, "resume from offset 0"),
            // More bytes than declared: the stream is cut off at the declared size.
            (() => UploadAsync(_ana, sha, bytes, size: 100), StatusCode.InvalidArgument, "more bytes than the declared size"),
        };
        foreach (var (call, expected, names) in cases)
        {
            var refused = await RefusedAsync(call);
            Assert.Equal(expected, refused.StatusCode);
            Assert.Contains(names, refused.Status.Detail);
        }

        Assert.Empty(StoredFiles());
        Assert.Equal(0, (await StatusAsync(_ana, sha, bytes.Length)).Offset);
        // The honest upload still goes through afterwards.
        Assert.True((await UploadAsync(_ana, sha, bytes)).Complete);
    }

    [Fact]
    public async Task Downloads_of_other_peoples_orders_or_with_extreme_offsets_are_refused()
    {
        var bytes = RandomBytes(3_000, seed: 22);
        var sha = Sha(bytes);
        await CreateOrderWithAttachmentAsync(_dispatcher, "WO-ben", "ben", sha, bytes.Length);
        Assert.True((await UploadAsync(_ben, sha, bytes)).Complete);

        Assert.Equal(StatusCode.PermissionDenied, (await RefusedAsync(() => DownloadAsync(_ana, "WO-ben", sha))).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await RefusedAsync(() => DownloadAsync(_ana, "WO-nobody-made", sha))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await RefusedAsync(() => DownloadAsync(_ben, "WO-ben", sha, offset: long.MaxValue))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await RefusedAsync(() => DownloadAsync(_ben, "WO-ben", sha, offset: -1))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await RefusedAsync(() => DownloadAsync(_ben, new string('W', 10_000), sha))).StatusCode);
        Assert.Equal(bytes, await DownloadAsync(_ben, "WO-ben", sha));
    }

    [Fact]
    public async Task A_technician_cannot_set_the_attachment_policy()
    {
        var denied = await RefusedAsync(() => _ana.Admin.SetAttachmentPolicyAsync(new SetAttachmentPolicyRequest
        {
            Policy = new AttachmentPolicy { MaxSizeBytes = AttachmentsLimit, Predownload = PredownloadMode.All },
        }, _ana.Options()).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var current = await Client(_ana).GetPolicyAsync(new GetAttachmentPolicyRequest(), _ana.Options());
        Assert.Equal(25L * 1024 * 1024, current.MaxSizeBytes);
    }

    [Fact]
    public async Task Signing_keys_are_bounded_per_device_and_garbage_keys_are_refused()
    {
        var garbage = await RefusedAsync(() => _ana.Sync.RegisterSigningKeyAsync(new RegisterSigningKeyRequest
        {
            PublicKey = ByteString.CopyFrom(RandomBytes(1_000_000, seed: 23)),
            Proof = ByteString.CopyFrom(RandomBytes(64, seed: 24)),
        }, _ana.Options()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, garbage.StatusCode);
        Assert.Contains("public_key", garbage.Status.Detail);

        for (var i = 0; i < RelayEngine.MaxSigningKeysPerDevice; i++)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            await RegisterAsync(_ana, key);
        }

        using var oneTooMany = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var refused = await RefusedAsync(() => RegisterAsync(_ana, oneTooMany));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("signing keys", refused.Status.Detail);
        var stored = await ((ISigningKeyStore)_relay.Host.Store).ListSigningKeysAsync("default", "ana");
        Assert.Equal(RelayEngine.MaxSigningKeysPerDevice, stored.Count);

        // Another device's allowance is its own.
        using var bens = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.False(string.IsNullOrEmpty((await RegisterAsync(_ben, bens)).KeyId));
    }

    /// <summary>An upload of nothing but a header claiming <paramref name="offset"/>.</summary>
    private static async Task HeaderOnlyAsync(RelayClient device, string sha, long size, long offset)
    {
        using var call = Client(device).Upload(device.Options());
        await call.RequestStream.WriteAsync(new UploadRequest
        {
            Header = new UploadHeader { Sha256 = sha, Size = size, ContentType = "image/jpeg", Offset = offset },
        });
        await call.RequestStream.CompleteAsync();
        await call.ResponseAsync;
    }

    private static Task<RegisterSigningKeyResponse> RegisterAsync(RelayClient client, ECDsa key)
    {
        var publicKey = key.ExportSubjectPublicKeyInfo();
        var proof = key.SignData(SigningKeyId.RegistrationProof("default", client.Name, publicKey), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return client.Sync.RegisterSigningKeyAsync(new RegisterSigningKeyRequest
        {
            PublicKey = ByteString.CopyFrom(publicKey),
            Proof = ByteString.CopyFrom(proof),
        }, client.Options()).ResponseAsync;
    }
}
