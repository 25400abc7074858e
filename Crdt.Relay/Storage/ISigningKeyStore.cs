namespace Crdt.Relay.Storage;

/// <summary>
/// Devices' signing keys (issue 14): the public half of each install's ECDSA P-256 key, registered
/// by a device registration (tenant and device name) that proved it holds the private half. A
/// customer signature pushed by a device must name a key registered to that device. A key may be
/// registered by several registrations (people sharing one install), each bound separately.
/// Both backends implement it; their tables are created on first use.
/// </summary>
public interface ISigningKeyStore
{
    /// <summary>Binds <paramref name="keyId"/> (and its public key) to the device; registering it again changes nothing.</summary>
    Task RegisterSigningKeyAsync(string tenant, string device, string keyId, byte[] publicKey, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The key as the device registered it, null when that device never registered it.</summary>
    Task<SigningKeyRecord?> FindSigningKeyAsync(string tenant, string device, string keyId, CancellationToken cancellationToken = default);

    /// <summary>The keys a device registered, ordered by key id.</summary>
    Task<IReadOnlyList<SigningKeyRecord>> ListSigningKeysAsync(string tenant, string device, CancellationToken cancellationToken = default);
}

/// <summary>One signing key bound to one device registration.</summary>
public sealed record SigningKeyRecord(string Tenant, string Device, string KeyId, byte[] PublicKey, DateTimeOffset RegisteredAt);
