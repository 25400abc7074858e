using System.Security.Cryptography;
using Crdt.Core;
using Crdt.Relay.Auth;
using Crdt.Relay.Storage;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Sync;

internal sealed partial class RelayEngine
{
    /// <summary>Signing keys one device registration may hold (each install of the app makes one).</summary>
    public const int MaxSigningKeysPerDevice = 16;

    /// <summary>
    /// Sync.RegisterSigningKey: binds the install's public signing key to the caller's registration
    /// once the caller proved it holds the private key (a signature over tenant, device and key id).
    /// </summary>
    public async Task<Wire.RegisterSigningKeyResponse> RegisterSigningKeyAsync(CallerIdentity caller, Wire.RegisterSigningKeyRequest request, CancellationToken cancellationToken)
    {
        var publicKey = request.PublicKey.ToByteArray();
        using var key = SigningKeyId.Import(publicKey, out var problem)
            ?? throw RelayRefusal.Invalid($"field 'public_key': {problem}");
        var proven = request.Proof.Length == 64 && key.VerifyData(SigningKeyId.RegistrationProof(caller.Tenant, caller.Name, publicKey),
            request.Proof.Span, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        if (!proven)
        {
            throw RelayRefusal.Invalid($"field 'proof': does not verify with the key for device '{caller.Name}' of tenant '{caller.Tenant}' " +
                "(an ECDSA P-256 signature, 64 bytes, over the registration text in sync.proto)");
        }

        if (Store is not ISigningKeyStore keys)
        {
            throw new RelayRefusal(RefusalKind.Unsupported, "this relay's store keeps no signing keys");
        }

        var keyId = SigningKeyId.Of(publicKey);
        // One key per install; reinstalls add a few. A cap keeps a stolen token from filling the table.
        var registered = await keys.ListSigningKeysAsync(caller.Tenant, caller.Name, cancellationToken).ConfigureAwait(false);
        if (registered.Count >= MaxSigningKeysPerDevice && !registered.Any(k => k.KeyId == keyId))
        {
            throw RelayRefusal.TooLarge($"device '{caller.Name}' of tenant '{caller.Tenant}' already has {registered.Count} signing keys, " +
                $"the most one registration may hold ({MaxSigningKeysPerDevice}); an admin revokes it and registers the device again");
        }

        await keys.RegisterSigningKeyAsync(caller.Tenant, caller.Name, keyId, publicKey, Options.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return new Wire.RegisterSigningKeyResponse { KeyId = keyId };
    }
}
