using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Crdt.Core.Signatures;

/// <summary>
/// The pieces of the signed texts (docs/protocol.md "Signatures"): a string is written as its UTF-8
/// byte length, a colon and the string, so no name or note can fake a line break or a field; a
/// decimal without trailing zeros (2.50 and 2.5 are one value), invariant culture; a missing value as "-".
/// </summary>
internal static class CanonicalText
{
    public static string Str(string? text) => text is null ? "-" : $"{Encoding.UTF8.GetByteCount(text)}:{text}";

    public static string Dec(decimal value) => (value / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

    public static string Value(FieldValue? value) => value is not { } v || v.Kind == FieldValueKind.Null ? "-" : v.Kind switch
    {
        FieldValueKind.Decimal => Dec(v.AsDecimal()),
        FieldValueKind.Integer => v.AsInteger().ToString(CultureInfo.InvariantCulture),
        FieldValueKind.Timestamp => v.AsTimestampMs().ToString(CultureInfo.InvariantCulture),
        FieldValueKind.Reference => Str(v.AsReference().Collection) + " " + Str(v.AsReference().Id),
        FieldValueKind.String => Str(v.AsString()),
        _ => Str(v.ToString()),
    };

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Sha256Hex(string text) => Sha256Hex(Encoding.UTF8.GetBytes(text));
}
