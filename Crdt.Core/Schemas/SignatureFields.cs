namespace Crdt.Core;

/// <summary>Element fields of <see cref="WorkOrderFields.Signatures"/>.</summary>
public static class SignatureFields
{
    /// <summary>String, required: who signed.</summary>
    public const string Signer = "signer";
    /// <summary>Timestamp, required.</summary>
    public const string SignedAt = "signedAt";
    /// <summary>Bytes: the captured signature image or strokes.</summary>
    public const string Image = "image";
    /// <summary>Bytes: the device's ECDSA P-256 signature over the signed content.</summary>
    public const string Signature = "signature";
    /// <summary>Bytes: the device's public key (SubjectPublicKeyInfo).</summary>
    public const string PublicKey = "publicKey";
    /// <summary>String: the signing device's replica id.</summary>
    public const string Device = "device";
    /// <summary>String: the signing key's id, <see cref="SigningKeyId.Of"/> of <see cref="PublicKey"/>; the relay holds it registered to the signing device.</summary>
    public const string KeyId = "keyId";
    /// <summary>String: lowercase hex SHA-256 of <see cref="Image"/>, as signed.</summary>
    public const string ImageSha256 = "imageSha256";
    /// <summary>String: what the customer signed for, as the device saw it (docs/protocol.md "Signatures": status, time entries, parts used, totals).</summary>
    public const string Covered = "covered";
}
