using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Crdt.Core;
using Crdt.Replica;

namespace FieldApp;

/// <summary>The --json renderings: one JSON object per command on stdout.</summary>
internal static class JsonOut
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(TextWriter output, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            body(json);
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    public static void Value(Utf8JsonWriter json, FieldValue? value)
    {
        switch (value)
        {
            case null or { IsNull: true }:
                json.WriteNullValue();
                break;
            case { Kind: FieldValueKind.String }:
                json.WriteStringValue(value.AsString());
                break;
            case { Kind: FieldValueKind.Integer }:
                json.WriteNumberValue(value.AsInteger());
                break;
            case { Kind: FieldValueKind.Decimal }:
                json.WriteNumberValue(value.AsDecimal());
                break;
            case { Kind: FieldValueKind.Bool }:
                json.WriteBooleanValue(value.AsBool());
                break;
            case { Kind: FieldValueKind.Timestamp }:
                json.WriteStringValue(value.AsTimestamp().ToString("O", CultureInfo.InvariantCulture));
                break;
            case { Kind: FieldValueKind.Reference }:
                json.WriteStringValue(value.AsReference().ToString());
                break;
            default:
                json.WriteStringValue(value.ToString());
                break;
        }
    }

    /// <summary>A document's merged values, sets, totals and flags.</summary>
    public static void Document(Utf8JsonWriter json, DocumentView view)
    {
        json.WriteStartObject();
        json.WriteString("collection", view.Key.Collection);
        json.WriteString("id", view.Key.Id);
        json.WriteBoolean("deleted", view.IsDeleted);
        json.WritePropertyName("fields");
        json.WriteStartObject();
        foreach (var (name, value) in view.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            json.WritePropertyName(name);
            Value(json, value);
        }
        json.WriteEndObject();
        foreach (var (set, elements) in view.Sets.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            json.WritePropertyName(set);
            json.WriteStartArray();
            foreach (var element in elements)
            {
                json.WriteStartObject();
                json.WriteString("id", element.Id);
                foreach (var (name, value) in element.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
                {
                    json.WritePropertyName(name);
                    Value(json, value);
                }
                json.WriteBoolean("counts", element.CountsInTotals);
                if (element.FlagId is { } flagId)
                {
                    json.WriteString("flag", flagId);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteNumber("totalHours", view.TotalHours);
        json.WriteNumber("totalParts", view.TotalParts);
        json.WritePropertyName("flags");
        Flags(json, view.Flags);
        json.WriteEndObject();
    }

    public static void Flags(Utf8JsonWriter json, IEnumerable<Flag> flags)
    {
        json.WriteStartArray();
        foreach (var flag in flags)
        {
            json.WriteStartObject();
            json.WriteString("id", flag.Id);
            json.WriteString("kind", flag.Kind.ToString());
            json.WriteString("severity", flag.Severity.ToString());
            json.WriteString("state", flag.State.ToString());
            json.WriteString("document", flag.Document.ToString());
            json.WriteString("field", flag.Field);
            json.WriteString("message", flag.Message);
            json.WritePropertyName("winner");
            Value(json, flag.WinnerValue);
            json.WriteString("winnerAuthor", flag.WinnerAuthor);
            json.WritePropertyName("loser");
            Value(json, flag.LoserValue);
            json.WriteString("loserAuthor", flag.LoserAuthor);
            json.WriteString("winnerAt", flag.WinnerAt?.ToString("O"));
            json.WriteString("loserAt", flag.LoserAt?.ToString("O"));
            json.WriteString("resolution", flag.Resolution?.ToString());
            json.WriteString("resolvedBy", flag.ResolvedByAuthor);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    public static void Progress(Utf8JsonWriter json, SyncProgress progress)
    {
        json.WriteNumber("sent", progress.OpsSent);
        json.WriteNumber("bytesSent", progress.BytesSent);
        json.WriteNumber("received", progress.OpsReceived);
        json.WriteNumber("bytesReceived", progress.BytesReceived);
        json.WriteNumber("pending", progress.Pending);
    }
}
