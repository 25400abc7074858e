using System.Text.Json;
using Crdt.Core;
using Crdt.Replica.Internal.Storage;

namespace Crdt.Replica.Internal.Documents;

/// <summary>Flags as the inbox table indexes them, with a JSON rendering for tools.</summary>
internal static class FlagRows
{
    public static StoredFlag From(Flag flag) =>
        new(flag.Id, flag.Document.Collection, flag.Document.Id, flag.Kind.ToString(), flag.State.ToString(), ToJson(flag));

    public static string ToJson(Flag flag)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            Write(json, flag);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static void Write(Utf8JsonWriter json, Flag flag)
    {
        json.WriteStartObject();
        json.WriteString("id", flag.Id);
        json.WriteString("kind", flag.Kind.ToString());
        json.WriteString("severity", flag.Severity.ToString());
        json.WriteString("state", flag.State.ToString());
        json.WriteString("collection", flag.Document.Collection);
        json.WriteString("document", flag.Document.Id);
        WriteOptional(json, "field", flag.Field);
        WriteOptional(json, "element", flag.ElementId);
        json.WriteString("message", flag.Message);
        WriteOptional(json, "winner", flag.WinnerValue?.ToString());
        WriteOptional(json, "winnerAuthor", flag.WinnerAuthor);
        WriteOptional(json, "loser", flag.LoserValue?.ToString());
        WriteOptional(json, "loserAuthor", flag.LoserAuthor);
        WriteOptional(json, "winnerAt", flag.WinnerAt?.ToString("O"));
        WriteOptional(json, "loserAt", flag.LoserAt?.ToString("O"));
        WriteOptional(json, "resolution", flag.Resolution?.ToString());
        WriteOptional(json, "resolvedBy", flag.ResolvedByAuthor);
        json.WritePropertyName("dots");
        json.WriteStartArray();
        foreach (var dot in flag.Dots)
        {
            json.WriteStringValue(dot.ToString());
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
