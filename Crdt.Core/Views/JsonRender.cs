using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Crdt.Core.Views;

/// <summary>Canonical JSON of a document view (see <see cref="DocumentView.ToJson"/>).</summary>
internal static class JsonRender
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    public static string Render(DocumentView view, bool includeTotalsAndFlags)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            // Top-level keys: "deleted", "fields", "flags", "totals" and the set names, sorted ordinally.
            var top = new SortedDictionary<string, Action>(StringComparer.Ordinal);
            if (view.IsDeleted)
            {
                top["deleted"] = () => writer.WriteBooleanValue(true);
            }
            top["fields"] = () => WriteFields(writer, view.Fields);
            foreach (var (set, elements) in view.Sets)
            {
                top[set] = () =>
                {
                    writer.WriteStartObject();
                    foreach (var element in elements)
                    {
                        writer.WritePropertyName(element.Id);
                        WriteFields(writer, element.Fields);
                    }
                    writer.WriteEndObject();
                };
            }
            if (includeTotalsAndFlags)
            {
                top["totals"] = () =>
                {
                    writer.WriteStartObject();
                    foreach (var (name, total) in view.Totals)
                    {
                        writer.WritePropertyName(name);
                        WriteDecimal(writer, total);
                    }
                    writer.WriteEndObject();
                };
                top["flags"] = () =>
                {
                    writer.WriteStartArray();
                    foreach (var flag in view.Flags)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("id", flag.Id);
                        writer.WriteString("kind", flag.Kind.ToString());
                        writer.WriteString("message", flag.Message);
                        writer.WriteString("severity", flag.Severity.ToString());
                        writer.WriteString("state", flag.State.ToString());
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                };
            }
            writer.WriteStartObject();
            foreach (var (name, write) in top)
            {
                writer.WritePropertyName(name);
                write();
            }
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteFields(Utf8JsonWriter writer, IReadOnlyDictionary<string, FieldValue> fields)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            writer.WritePropertyName(name);
            WriteValue(writer, value);
        }
        writer.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter writer, FieldValue value)
    {
        switch (value.Kind)
        {
            case FieldValueKind.String:
                writer.WriteStringValue(value.AsString());
                break;
            case FieldValueKind.Integer:
                writer.WriteNumberValue(value.AsInteger());
                break;
            case FieldValueKind.Decimal:
                WriteDecimal(writer, value.AsDecimal());
                break;
            case FieldValueKind.Bool:
                writer.WriteBooleanValue(value.AsBool());
                break;
            case FieldValueKind.Timestamp:
                writer.WriteStringValue(value.AsTimestamp().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                break;
            case FieldValueKind.Bytes:
                writer.WriteBase64StringValue(value.AsBytes().Span);
                break;
            case FieldValueKind.Reference:
                writer.WriteStringValue(value.AsReference().ToString());
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    /// <summary>Shortest form: no trailing zeros after the point, no point when whole.</summary>
    public static void WriteDecimal(Utf8JsonWriter writer, decimal value)
    {
        var text = value.ToString(CultureInfo.InvariantCulture);
        if (text.Contains('.'))
        {
            text = text.TrimEnd('0').TrimEnd('.');
        }
        if (text is "-0" or "")
        {
            text = "0";
        }
        writer.WriteRawValue(text, skipInputValidation: true);
    }
}
