namespace Crdt.Replica.Internal.Attachments;

/// <summary>A media type from a file's extension, for an attach without an explicit type.</summary>
internal static class MediaTypes
{
    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg", [".png"] = "image/png", [".gif"] = "image/gif",
        [".webp"] = "image/webp", [".heic"] = "image/heic", [".pdf"] = "application/pdf", [".txt"] = "text/plain",
        [".mp4"] = "video/mp4", [".json"] = "application/json",
    };

    public static string FromExtension(string file) =>
        ByExtension.TryGetValue(Path.GetExtension(file), out var type) ? type : "application/octet-stream";
}
