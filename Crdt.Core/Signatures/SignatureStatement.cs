using System.Globalization;
using System.Text;
using Crdt.Core.Signatures;

namespace Crdt.Core;

/// <summary>
/// What a captured customer signature signs: the document, the signature element, the signer's name,
/// when, the SHA-256 of the signature image, the SHA-256 of what was signed for (the element's
/// <see cref="SignatureFields.Covered"/> text) and the signing key's id. <see cref="ToBytes"/> is the
/// canonical text the device's ECDSA P-256 key signs (docs/protocol.md "Signatures"); every part of
/// it is re-derived from the element, so any replica and the relay can check it.
/// </summary>
public sealed record SignatureStatement(
    DocumentKey Document, string ElementId, string Signer, long SignedAtMs, string ImageSha256, string CoveredSha256, string KeyId)
{
    /// <summary>The first line of every statement of this format.</summary>
    public const string Header = "crdtfieldstore-signature/1";

    /// <summary>When the customer signed.</summary>
    public DateTimeOffset SignedAt => DateTimeOffset.FromUnixTimeMilliseconds(SignedAtMs);

    /// <summary>The canonical text, one "name value" line each, strings length-prefixed.</summary>
    public string ToText() =>
        $"{Header}\n" +
        $"document {CanonicalText.Str(Document.Collection)} {CanonicalText.Str(Document.Id)}\n" +
        $"element {CanonicalText.Str(ElementId)}\n" +
        $"signer {CanonicalText.Str(Signer)}\n" +
        $"signed-at {SignedAtMs.ToString(CultureInfo.InvariantCulture)}\n" +
        $"image-sha256 {ImageSha256}\n" +
        $"covered-sha256 {CoveredSha256}\n" +
        $"key {CanonicalText.Str(KeyId)}\n";

    /// <summary>The UTF-8 bytes of <see cref="ToText"/>: what is signed.</summary>
    public byte[] ToBytes() => Encoding.UTF8.GetBytes(ToText());
}
