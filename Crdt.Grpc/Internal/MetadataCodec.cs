using System.Buffers.Text;

namespace Crdt.Grpc.Internal;

/// <summary>
/// Metadata to and from HTTP/2 header values: <c>-bin</c> values are base64, emitted unpadded,
/// accepted padded or unpadded, and split on ',' when a peer joined repeated keys.
/// </summary>
internal static class MetadataCodec
{
    public static string EncodeValue(MetadataEntry entry) =>
        entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes).TrimEnd('=') : entry.Value;

    /// <summary>
    /// Adds a received header to <paramref name="metadata"/>, unless it belongs to the protocol.
    /// A binary value that is not base64 is dropped rather than failing the call.
    /// </summary>
    public static void AddReceived(Metadata metadata, string key, string value)
    {
        var lower = key.ToLowerInvariant();
        if (ReservedHeaders.IsHiddenOnReceive(lower))
        {
            return;
        }

        if (!Metadata.IsBinaryKey(lower))
        {
            metadata.AddTrusted(new MetadataEntry(lower, value));
            return;
        }

        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (TryDecodeBase64(part, out var bytes))
            {
                metadata.AddTrusted(new MetadataEntry(lower, bytes));
            }
        }
    }

    public static bool TryDecodeBase64(string text, out byte[] bytes)
    {
        var padded = (text.Length % 4) switch
        {
            2 => text + "==",
            3 => text + "=",
            _ => text,
        };
        bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(padded.Length)];
        if (Convert.TryFromBase64String(padded, bytes, out var written))
        {
            Array.Resize(ref bytes, written);
            return true;
        }

        bytes = [];
        return false;
    }
}
