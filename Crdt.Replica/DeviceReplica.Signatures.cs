using System.Security.Cryptography;
using Crdt.Core;
using Crdt.Replica.Internal.Transport;
using Wire = Crdt.Core.Wire;

namespace Crdt.Replica;

/// <summary>
/// Customer signatures (issue 14, docs/protocol.md "Signatures"). Each install makes an ECDSA P-256
/// key at its first sign-in and keeps the private half protected in the replica file; the public half
/// is registered with the relay for each person's registration before their first push. Capturing a
/// signature signs a statement of who signed, when, the image's hash and what the order showed
/// (status, labour, parts); every replica can verify it.
/// </summary>
public sealed partial class DeviceReplica
{
    /// <summary>People whose signing-key registration was settled with the relay since this replica opened.</summary>
    private readonly HashSet<string> _signingKeySettled = new(StringComparer.Ordinal);

    /// <summary>
    /// Captures <paramref name="signer"/>'s signature (the image of it) on work order <paramref name="orderId"/>
    /// as it stands on this device now: signs the statement with this install's key and adds the
    /// element to the order's signatures in one durable edit (synced like any other). Returns the new
    /// element's verification. Throws <see cref="InvalidOperationException"/> when nobody is signed in,
    /// <see cref="KeyNotFoundException"/> when the order is not on this device.
    /// </summary>
    public async Task<SignatureVerification> CaptureSignatureAsync(string orderId, string signer, byte[] image, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orderId);
        ArgumentException.ThrowIfNullOrWhiteSpace(signer);
        ArgumentNullException.ThrowIfNull(image);
        if (image.Length == 0)
        {
            throw new ArgumentException("the signature image is empty", nameof(image));
        }

        var key = new DocumentKey(WorkOrderFields.Collection, orderId);
        var elementId = "sig-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var (_, newFlags) = await LockedAsync(() =>
        {
            var author = _currentUser ?? throw new InvalidOperationException("sign in before capturing a signature: it is signed with this install's key for the signed-in person");
            _memory.Load(key);
            var covered = _memory.Set.SignedContentOf(key) ?? throw new KeyNotFoundException($"work order '{orderId}' is not on this device");
            using var signingKey = SigningKey();
            var wall = WallMs;
            var fields = CustomerSignatures.Create(key, elementId, signer, DateTimeOffset.FromUnixTimeMilliseconds(wall), image, covered, signingKey, Id.Value);
            return CommitLocal([(key, e => e.Edit(key, author, wall, [new AddElement(WorkOrderFields.Signatures, elementId, fields)]))]);
        }, cancellationToken).ConfigureAwait(false);
        AfterLocalCommit([key], newFlags);
        return VerifySignature(orderId, elementId);
    }

    /// <summary>Checks one signature of a work order as this replica holds it (<see cref="CustomerSignatures.Verify"/>).</summary>
    public SignatureVerification VerifySignature(string orderId, string elementId) =>
        VerifySignatures(orderId).FirstOrDefault(v => v.ElementId == elementId)
        ?? new SignatureVerification(elementId, false, $"work order '{orderId}' has no signature '{elementId}' on this device", null);

    /// <summary>Checks every live signature of a work order, ordered by element id (empty when it has none or is not here).</summary>
    public IReadOnlyList<SignatureVerification> VerifySignatures(string orderId) => Locked(() =>
    {
        var key = new DocumentKey(WorkOrderFields.Collection, orderId);
        _memory.Load(key);
        return _memory.Set.VerifySignatures(key);
    });

    /// <summary>The id of this install's signing key, null before the first sign-in made it.</summary>
    public string? SigningKeyId => Locked(() => _store.GetSigningKey() is { } pkcs8 ? KeyIdOf(pkcs8) : null);

    /// <summary>Makes the install's key at first sign-in (caller holds the lock).</summary>
    private void EnsureSigningKey()
    {
        if (_store.GetSigningKey() is not null)
        {
            return;
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _store.SetSigningKey(key.ExportPkcs8PrivateKey());
    }

    private ECDsa SigningKey()
    {
        EnsureSigningKey();
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(_store.GetSigningKey()!, out _);
        return key;
    }

    private static string KeyIdOf(byte[] pkcs8)
    {
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        return Core.SigningKeyId.Of(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>
    /// Before pushing <paramref name="user"/>'s edits: registers the install's public key for their
    /// registration once per relay (Sync.WhoAmI for the tenant and name the proof names, then
    /// Sync.RegisterSigningKey). A relay that refuses it (an older one) does not stop the push: only
    /// signatures need the key, and the relay refuses those itself.
    /// </summary>
    internal async Task EnsureSigningKeyRegisteredAsync(IRelayConnection connection, string user, CancellationToken cancellationToken)
    {
        // Asked before every push: settled once per person for this process (registered, or refused by
        // the relay), so a push costs no key import, file read or extra round trip after the first.
        if (Locked(() => _signingKeySettled.Contains(user)))
        {
            return;
        }

        var (relayUrl, pkcs8) = Locked(() => (_store.AllCredentials().FirstOrDefault(c => c.UserName == user)?.RelayUrl, _store.GetSigningKey()));
        if (relayUrl is null || pkcs8 is null)
        {
            return;
        }

        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        var publicKey = key.ExportSubjectPublicKeyInfo();
        var keyId = Core.SigningKeyId.Of(publicKey);
        if (Locked(() => _store.RegisteredSigningKey(relayUrl, user)) == keyId)
        {
            Locked(() => _signingKeySettled.Add(user));
            return;
        }

        try
        {
            var account = await connection.WhoAmIAsync(cancellationToken).ConfigureAwait(false);
            var proof = key.SignData(Core.SigningKeyId.RegistrationProof(account.Tenant, account.Name, publicKey), HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            await connection.RegisterSigningKeyAsync(new Wire.RegisterSigningKeyRequest
            {
                PublicKey = Google.Protobuf.ByteString.CopyFrom(publicKey),
                Proof = Google.Protobuf.ByteString.CopyFrom(proof),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RelayRefusedException ex) when (!ex.CredentialsRejected)
        {
            // An older relay, or one that holds enough keys for this registration: asked again after a restart.
            Locked(() => _signingKeySettled.Add(user));
            return;
        }
        Locked(() =>
        {
            _store.SetRegisteredSigningKey(relayUrl, user, keyId);
            return _signingKeySettled.Add(user);
        });
    }
}
