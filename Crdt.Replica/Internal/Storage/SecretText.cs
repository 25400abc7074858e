using System.Security.Cryptography;
using System.Text;

namespace Crdt.Replica.Internal.Storage;

/// <summary>
/// How a secret is kept in a text column: "protected:v1:" and the protector's bytes in base64. A
/// value without the prefix was written by a build before secrets were protected; it is read as it
/// is and protected when the file is opened (<see cref="ReplicaStore.ProtectLegacySecrets"/>).
/// </summary>
internal sealed class SecretText(ISecretProtector protector, string replicaPath)
{
    public const string TokenPurpose = "token";
    public const string ReplicaKeyPurpose = "replica-key";
    private const string Prefix = "protected:v1:";

    public static bool IsProtected(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);

    public string Protect(string secret, string purpose) =>
        Prefix + Convert.ToBase64String(protector.Protect(Encoding.UTF8.GetBytes(secret), purpose));

    /// <param name="what">names the secret and what the user can do when it cannot be read</param>
    public string Unprotect(string stored, string purpose, string what)
    {
        if (!IsProtected(stored))
        {
            return stored;
        }
        try
        {
            return Encoding.UTF8.GetString(protector.Unprotect(Convert.FromBase64String(stored[Prefix.Length..]), purpose));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            throw new ReplicaStorageException($"replica file '{replicaPath}': {what} cannot be read back ({ex.Message})", ex);
        }
    }
}
