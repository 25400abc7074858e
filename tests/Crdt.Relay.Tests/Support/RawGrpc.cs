using System.Buffers.Binary;
using System.Net;

namespace Crdt.Relay.Tests.Support;

/// <summary>
/// Sends hand-made gRPC requests over real HTTP/2 (h2c) so tests can send what a gRPC client never
/// would (garbage frames, gzip bombs, bad timeouts) and read the exact status the relay answers.
/// </summary>
public static class RawGrpc
{
    public sealed record Response(HttpStatusCode HttpStatus, byte[] Body, string? GrpcStatus, string? GrpcMessage);

    /// <summary>A gRPC length-prefixed message: flag byte (1 = compressed), 4-byte length, payload.</summary>
    public static byte[] Frame(byte[] payload, byte flag = 0)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static async Task<Response> SendAsync(Uri address, string path, byte[] body, string? token,
        IEnumerable<(string Name, string Value)>? headers = null)
    {
        using var client = new HttpClient(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", "application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (token is not null) request.Headers.TryAddWithoutValidation("authorization", "Bearer " + token);
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        string? Find(string name) =>
            response.TrailingHeaders.TryGetValues(name, out var t) ? t.First()
            : response.Headers.TryGetValues(name, out var h) ? h.First() : null;
        return new Response(response.StatusCode, bytes, Find("grpc-status"), Find("grpc-message"));
    }
}
