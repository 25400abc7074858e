using System.IO.Compression;

namespace Crdt.Grpc.Internal;

/// <summary>
/// Per-message compression (<c>grpc-encoding</c>): gzip and deflate (zlib format, as grpc-core
/// names it). A new compression context per message, as the spec requires.
/// </summary>
internal static class GrpcCompression
{
    public const string Identity = "identity";
    public const string Gzip = "gzip";
    public const string Deflate = "deflate";

    /// <summary>What we can decode, advertised as <c>grpc-accept-encoding</c>.</summary>
    public const string AcceptEncoding = "identity,gzip,deflate";

    public static bool IsSupported(string encoding) => encoding is Identity or Gzip or Deflate;

    /// <summary>True when a comma list such as a peer's <c>grpc-accept-encoding</c> names the encoding.</summary>
    public static bool ListContains(string? list, string encoding)
    {
        if (string.IsNullOrEmpty(list))
        {
            return false;
        }

        foreach (var item in list.Split(',', StringSplitOptions.TrimEntries))
        {
            if (string.Equals(item, encoding, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public static byte[] Compress(string encoding, ReadOnlySpan<byte> message)
    {
        using var output = new MemoryStream(message.Length / 2 + 64);
        using (var compressor = CreateStream(encoding, output, CompressionMode.Compress))
        {
            compressor.Write(message);
        }

        return output.ToArray();
    }

    /// <summary>
    /// Decompresses one message; null when the decompressed size exceeds <paramref name="maxSize"/>
    /// (checked while inflating, so a small bomb cannot exhaust memory). Throws InvalidDataException
    /// for corrupt input.
    /// </summary>
    public static byte[]? Decompress(string encoding, ReadOnlySpan<byte> compressed, int maxSize)
    {
        using var input = new MemoryStream(compressed.ToArray(), writable: false);
        using var decompressor = CreateStream(encoding, input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = decompressor.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (output.Length + read > maxSize)
            {
                return null;
            }

            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }

    private static Stream CreateStream(string encoding, Stream inner, CompressionMode mode) => encoding switch
    {
        Gzip => new GZipStream(inner, mode, leaveOpen: true),
        Deflate => new ZLibStream(inner, mode, leaveOpen: true),
        _ => throw new InvalidOperationException($"Unsupported grpc-encoding '{encoding}'."),
    };
}
