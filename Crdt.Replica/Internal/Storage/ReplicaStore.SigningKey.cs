namespace Crdt.Replica.Internal.Storage;

/// <summary>
/// This install's signing key (issue 14): the ECDSA P-256 private key as PKCS#8, protected at rest by
/// the <see cref="ISecretProtector"/> like the tokens; never in a backup (backups carry no settings),
/// never sent. Which relay registrations it is registered with is remembered per relay and person.
/// </summary>
internal sealed partial class ReplicaStore
{
    // Persisted setting names and protector purpose: never rename.
    private const string SigningKeySetting = "signing_key";
    private const string SigningKeyPurpose = "signing-key";
    private const string SigningKeyRegisteredPrefix = "signing_key_registered:";

    /// <summary>The PKCS#8 private key, null before the first sign-in made one.</summary>
    public byte[]? GetSigningKey() => GetSetting(SigningKeySetting) is { } stored
        ? Convert.FromBase64String(_secrets.Unprotect(stored, SigningKeyPurpose,
            "the signing key (the key that protects it is missing or changed: put the key file back; signatures need a new key, made at the next sign-in)"))
        : null;

    public void SetSigningKey(byte[] pkcs8) => SetSetting(SigningKeySetting, _secrets.Protect(Convert.ToBase64String(pkcs8), SigningKeyPurpose));

    /// <summary>The key id registered with <paramref name="relayUrl"/> for <paramref name="userName"/>, or null.</summary>
    public string? RegisteredSigningKey(string relayUrl, string userName) => GetSetting(SigningKeyRegisteredPrefix + relayUrl + " " + userName);

    public void SetRegisteredSigningKey(string relayUrl, string userName, string keyId) => SetSetting(SigningKeyRegisteredPrefix + relayUrl + " " + userName, keyId);
}
