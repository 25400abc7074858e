namespace Crdt.Replica;

/// <summary>
/// Protects the secrets a replica keeps in its file (each signed-in person's bearer token, the
/// install's replica key) before they are written, and recovers them when read. The embedding app
/// backs it with the platform's keystore (Android Keystore, iOS/macOS Keychain, Windows DPAPI,
/// libsecret) by setting <see cref="ReplicaOptions.SecretProtector"/>; the default is
/// <see cref="KeyFileSecretProtector"/>. Must be deterministic in what it accepts: what
/// <see cref="Protect"/> returned for a purpose, <see cref="Unprotect"/> returns unchanged for the same purpose.
/// </summary>
public interface ISecretProtector
{
    /// <summary>Protects <paramref name="secret"/>; <paramref name="purpose"/> ("token", "replica-key") must be given again to unprotect.</summary>
    byte[] Protect(ReadOnlySpan<byte> secret, string purpose);

    /// <summary>Recovers a secret; throws <see cref="System.Security.Cryptography.CryptographicException"/> when it cannot (wrong key, tampered bytes).</summary>
    byte[] Unprotect(ReadOnlySpan<byte> protectedSecret, string purpose);
}
