using System.Security.Cryptography;
using Crdt.Core.Signatures;

namespace Crdt.Core;

/// <summary>
/// Makes and checks the elements of <see cref="WorkOrderFields.Signatures"/>: a signature element
/// carries the signer, time, image, what was signed for, the device's public key and key id, and the
/// ECDSA P-256 signature (IEEE P1363, 64 bytes, SHA-256) over <see cref="SignatureStatement.ToBytes"/>.
/// Pure functions: the relay and every replica run the same check.
/// </summary>
public static class CustomerSignatures
{
    /// <summary>The element values of a new signature, signed with <paramref name="key"/> (a P-256 key with its private part).</summary>
    public static Dictionary<string, FieldValue> Create(DocumentKey document, string elementId, string signer, DateTimeOffset signedAt,
        ReadOnlySpan<byte> image, string covered, ECDsa key, string device)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(signer);
        ArgumentNullException.ThrowIfNull(covered);
        ArgumentNullException.ThrowIfNull(key);
        var publicKey = key.ExportSubjectPublicKeyInfo();
        var statement = new SignatureStatement(document, elementId, signer, signedAt.ToUnixTimeMilliseconds(),
            CanonicalText.Sha256Hex(image), CanonicalText.Sha256Hex(covered), SigningKeyId.Of(publicKey));
        var signature = key.SignData(statement.ToBytes(), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new Dictionary<string, FieldValue>(StringComparer.Ordinal)
        {
            [SignatureFields.Signer] = FieldValue.String(signer),
            [SignatureFields.SignedAt] = FieldValue.TimestampMs(statement.SignedAtMs),
            [SignatureFields.Image] = FieldValue.Bytes(image),
            [SignatureFields.ImageSha256] = FieldValue.String(statement.ImageSha256),
            [SignatureFields.Covered] = FieldValue.String(covered),
            [SignatureFields.PublicKey] = FieldValue.Bytes(publicKey),
            [SignatureFields.KeyId] = FieldValue.String(statement.KeyId),
            [SignatureFields.Device] = FieldValue.String(device),
            [SignatureFields.Signature] = FieldValue.Bytes(signature),
        };
    }

    /// <summary>
    /// Re-derives the statement from the element and checks, in order: every part is present with its
    /// kind; the key id names the public key; the image and covered text hash to what the element says;
    /// the public key is P-256; the signature verifies. Says which field failed.
    /// </summary>
    public static SignatureVerification Verify(DocumentKey document, string elementId, IReadOnlyDictionary<string, FieldValue> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        SignatureVerification Fail(string problem, SignatureStatement? statement = null) => new(elementId, false, problem, statement);

        string? Text(string name) => fields.TryGetValue(name, out var v) && v.Kind == FieldValueKind.String ? v.AsString() : null;
        ReadOnlyMemory<byte>? Bytes(string name) => fields.TryGetValue(name, out var v) && v.Kind == FieldValueKind.Bytes ? v.AsBytes() : null;

        var signer = Text(SignatureFields.Signer);
        var signedAt = fields.TryGetValue(SignatureFields.SignedAt, out var at) && at.Kind == FieldValueKind.Timestamp ? at.AsTimestampMs() : (long?)null;
        var imageHash = Text(SignatureFields.ImageSha256);
        var covered = Text(SignatureFields.Covered);
        var keyId = Text(SignatureFields.KeyId);
        var image = Bytes(SignatureFields.Image);
        var publicKey = Bytes(SignatureFields.PublicKey);
        var signature = Bytes(SignatureFields.Signature);
        var missing = new (string Name, bool Present)[]
        {
            (SignatureFields.Signer, signer is not null), (SignatureFields.SignedAt, signedAt is not null), (SignatureFields.Image, image is not null),
            (SignatureFields.ImageSha256, imageHash is not null), (SignatureFields.Covered, covered is not null), (SignatureFields.PublicKey, publicKey is not null),
            (SignatureFields.KeyId, keyId is not null), (SignatureFields.Signature, signature is not null),
        }.Where(p => !p.Present).Select(p => p.Name).ToList();
        if (missing.Count > 0)
        {
            return Fail($"element field(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} missing or of the wrong kind; a signature element needs " +
                "signer, signedAt, image, imageSha256, covered, publicKey, keyId and signature");
        }
        var statement = new SignatureStatement(document, elementId, signer!, signedAt!.Value, imageHash!, CanonicalText.Sha256Hex(covered!), keyId!);
        if (SigningKeyId.Of(publicKey!.Value.Span) != keyId)
        {
            return Fail($"element field '{SignatureFields.KeyId}': '{Shorten(keyId!)}' does not name the element's public key ({SigningKeyId.Of(publicKey.Value.Span)})", statement);
        }

        if (CanonicalText.Sha256Hex(image!.Value.Span) != imageHash)
        {
            return Fail($"element field '{SignatureFields.Image}': the image's SHA-256 is not the signed '{SignatureFields.ImageSha256}' ({Shorten(imageHash!)})", statement);
        }

        using var key = SigningKeyId.Import(publicKey.Value.Span, out var keyProblem);
        if (key is null)
        {
            return Fail($"element field '{SignatureFields.PublicKey}': {keyProblem}", statement);
        }

        if (!key.VerifyData(statement.ToBytes(), signature!.Value.Span, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return Fail($"element field '{SignatureFields.Signature}': does not verify with key {keyId} over the statement re-derived from the element " +
                "(signer, signedAt, image, covered, document or element changed, or signed by another key)", statement);
        }

        return new SignatureVerification(elementId, true, null, statement);
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
