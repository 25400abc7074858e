using System.Globalization;
using Crdt.Core;

namespace FieldApp;

/// <summary>Turns FIELD=VALUE arguments into typed values using the collection's schema.</summary>
internal static class FieldValues
{
    public static IReadOnlyList<(string Field, FieldValue Value)> ParseAssignments(CollectionSchema schema, IEnumerable<string> assignments)
    {
        var result = new List<(string, FieldValue)>();
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=');
            if (equals <= 0)
            {
                throw new FieldAppException($"'{assignment}' is not FIELD=VALUE");
            }
            var field = assignment[..equals];
            var text = assignment[(equals + 1)..];
            if (!schema.TryGetField(field, out var declared))
            {
                throw new FieldAppException($"{schema.Name} has no field '{field}' (fields: {string.Join(", ", schema.Fields.Keys.Order(StringComparer.Ordinal))})");
            }
            if (declared.Kind != FieldKind.Lww)
            {
                throw new FieldAppException($"{schema.Name}.{field} is a set of entries, not a value; use the hours/part commands");
            }
            result.Add((field, Parse(declared.ValueKind, text, $"{schema.Name}.{field}")));
        }
        return result;
    }

    public static FieldValue Parse(FieldValueKind kind, string text, string what)
    {
        if (text.Length == 0)
        {
            return FieldValue.Null;
        }
        try
        {
            return kind switch
            {
                FieldValueKind.String => FieldValue.String(text),
                FieldValueKind.Integer => FieldValue.Integer(long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture)),
                FieldValueKind.Decimal => FieldValue.Decimal(ParseDecimal(text, what)),
                FieldValueKind.Bool => FieldValue.Bool(bool.Parse(text)),
                FieldValueKind.Timestamp => FieldValue.Timestamp(DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)),
                FieldValueKind.Bytes => FieldValue.Bytes(Convert.FromBase64String(text)),
                FieldValueKind.Reference => FieldValue.Reference(ParseKey(text, what)),
                _ => throw new FormatException($"unsupported kind {kind}"),
            };
        }
        catch (FormatException ex)
        {
            throw new FieldAppException($"{what}: '{text}' is not a valid {kind.ToString().ToLowerInvariant()} ({ex.Message})");
        }
        catch (OverflowException)
        {
            throw new FieldAppException($"{what}: '{text}' is out of range for {kind.ToString().ToLowerInvariant()}");
        }
    }

    public static decimal ParseDecimal(string text, string what) =>
        decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FieldAppException($"{what}: '{text}' is not a number");

    public static DocumentKey ParseKey(string text, string what)
    {
        var slash = text.IndexOf('/');
        if (slash <= 0 || !DocumentKey.IsValid(text[..slash], text[(slash + 1)..], out var reason))
        {
            throw new FieldAppException($"{what}: '{text}' is not a document reference Collection/Id");
        }
        return new DocumentKey(text[..slash], text[(slash + 1)..]);
    }

    /// <summary>A value as plain JSON-friendly text for the console.</summary>
    public static string Show(FieldValue? value) => value switch
    {
        null => "",
        { IsNull: true } => "",
        { Kind: FieldValueKind.Timestamp } => value.AsTimestamp().ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture),
        { Kind: FieldValueKind.Decimal } => value.AsDecimal().ToString(CultureInfo.InvariantCulture),
        { Kind: FieldValueKind.Reference } => value.AsReference().ToString(),
        _ => value.ToString() ?? "",
    };
}
