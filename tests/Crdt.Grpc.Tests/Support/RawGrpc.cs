using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;

namespace Crdt.Grpc.Tests.Support;

/// <summary>
/// Sends hand-made gRPC requests over real HTTP/2 (h2c) so tests can send what our client never
/// would (garbage frames, wrong content types, bad timeouts) and see the exact response frames.
/// </summary>
internal static class RawGrpc
{
    public sealed record Response(HttpStatusCode HttpStatus, HttpResponseHeaders Headers, string? ContentType, byte[] Body, HttpResponseHeaders Trailers)
    {
        public string? Header(string name) => Headers.TryGetValues(name, out var v) ? v.First() : null;

        public string? Trailer(string name) => Trailers.TryGetValues(name, out var v) ? v.First() : null;

        /// <summary>grpc-status from the trailers, or from the headers of a Trailers-Only response.</summary>
        public string? GrpcStatus => Trailer("grpc-status") ?? Header("grpc-status");
    }

    public static byte[] Frame(byte[] payload, byte flag = 0)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static async Task<Response> SendAsync(
        string address,
        string path,
        byte[] body,
        string contentType = "application/grpc",
        IEnumerable<(string Name, string Value)>? headers = null)
    {
        using var handler = new SocketsHttpHandler();
        using var client = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(address), path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return new Response(response.StatusCode, response.Headers, response.Content.Headers.ContentType?.ToString(), bytes, response.TrailingHeaders);
    }
}
