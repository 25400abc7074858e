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
}
