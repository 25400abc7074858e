using System.Globalization;
using System.Text;
using System.Text.Json;
using Crdt.Core;

namespace FieldApp;

/// <summary>Customer signatures: sign and verify.</summary>
internal static partial class Handlers
{
    public static async Task<int> SignAsync(Session session, string id, string signer, string imageFile, CancellationToken ct)
    {
        byte[] image;
        try
        {
            image = await File.ReadAllBytesAsync(imageFile, ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FieldAppException($"cannot read the signature image '{imageFile}': {ex.Message}");
        }
        await using var replica = await session.OpenAsync(ct);
        var result = await replica.CaptureSignatureAsync(id, signer, image, ct);
        var statement = result.Statement!;
        session.Print($"signed {statement.Document} as {result.ElementId} by {statement.Signer} at {statement.SignedAt:O} with key {statement.KeyId}" +
            $" ({(result.IsValid ? "verifies" : "DOES NOT VERIFY: " + result.Problem)})",
            json =>
            {
                json.WritePropertyName("signature");
                Signature(json, result);
            });
        return result.IsValid ? FieldAppCommands.ExitOk : FieldAppCommands.ExitError;
    }

    public static async Task<int> VerifyAsync(Session session, string id, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var key = Key(id);
        var view = replica.Get(key) ?? throw new FieldAppException($"{key} is not on this device (run agenda or sync?)");
        var results = replica.VerifySignatures(key.Id);
        var changed = view.Flags.Where(f => f.Kind == FlagKind.SignedContentChanged).ToList();
        var allValid = results.All(r => r.IsValid);
        var text = new StringBuilder();
        if (results.Count == 0) text.AppendLine($"{key} has no signatures");
        foreach (var result in results)
        {
            text.AppendLine(result.IsValid
                ? $"{result.ElementId}  valid    {result.Statement!.Signer}  {result.Statement.SignedAt:O}  key {result.Statement.KeyId}"
                : $"{result.ElementId}  INVALID  {result.Problem}");
        }
        foreach (var flag in changed)
        {
            text.AppendLine($"flag {flag.Id} [{flag.Kind}, {flag.State}] {flag.Message}");
        }
        session.Print(text.ToString().TrimEnd('\n'), json =>
        {
            json.WriteString("document", key.ToString());
            json.WriteBoolean("allValid", allValid);
            json.WriteStartArray("signatures");
            foreach (var result in results) Signature(json, result);
            json.WriteEndArray();
            json.WritePropertyName("contentChanged");
            JsonOut.Flags(json, changed);
        });
        return allValid ? FieldAppCommands.ExitOk : FieldAppCommands.ExitError;
    }

    private static void Signature(Utf8JsonWriter json, SignatureVerification result)
    {
        json.WriteStartObject();
        json.WriteString("element", result.ElementId);
        json.WriteBoolean("valid", result.IsValid);
        if (result.Problem is not null) json.WriteString("problem", result.Problem);
        if (result.Statement is { } statement)
        {
            json.WriteString("signer", statement.Signer);
            json.WriteString("signedAt", statement.SignedAt.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("keyId", statement.KeyId);
            json.WriteString("imageSha256", statement.ImageSha256);
            json.WriteString("coveredSha256", statement.CoveredSha256);
        }
        json.WriteEndObject();
    }
}
