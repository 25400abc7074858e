using System.Security.Cryptography;

namespace Crdt.Core;

/// <summary>Names of signing keys and the one key type accepted: ECDSA on NIST P-256, public key as DER SubjectPublicKeyInfo.</summary>
public static class SigningKeyId
{
    /// <summary>Largest public key accepted (a P-256 SubjectPublicKeyInfo is 91 bytes).</summary>
    public const int MaxPublicKeyBytes = 256;

    /// <summary>"k-" and the first 16 bytes of the SHA-256 of the public key, lowercase hex.</summary>
    public static string Of(ReadOnlySpan<byte> publicKey) => "k-" + Convert.ToHexStringLower(SHA256.HashData(publicKey)[..16]);

    /// <summary>The key as an ECDsa ready to verify, or null with the reason when it is not a P-256 SubjectPublicKeyInfo.</summary>
    public static ECDsa? Import(ReadOnlySpan<byte> publicKey, out string? problem)
    {
        problem = null;
        if (publicKey.Length is 0 or > MaxPublicKeyBytes)
        {
            problem = $"a public key is a DER SubjectPublicKeyInfo of at most {MaxPublicKeyBytes} bytes, this one {publicKey.Length}";
            return null;
        }
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(publicKey, out var read);
            var curve = key.ExportParameters(false).Curve;
            if (read != publicKey.Length || !curve.IsNamed || curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                problem = "the public key is not an ECDSA key on NIST P-256 (exactly one SubjectPublicKeyInfo)";
                key.Dispose();
                return null;
            }
            return key;
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            problem = $"the public key is not a DER SubjectPublicKeyInfo of an ECDSA key ({e.Message})";
            return null;
        }
    }

    /// <summary>What a device signs to prove it holds the private key of the public key it registers for its registration.</summary>
    public static byte[] RegistrationProof(string tenant, string device, ReadOnlySpan<byte> publicKey) =>
        System.Text.Encoding.UTF8.GetBytes($"crdtfieldstore-signing-key/1\ntenant {Signatures.CanonicalText.Str(tenant)}\ndevice {Signatures.CanonicalText.Str(device)}\nkey {Of(publicKey)}\n");
}
