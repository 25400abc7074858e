using System.Security.Claims;
using Crdt.Grpc.Server.Internal;
using Microsoft.AspNetCore.Http;

namespace Crdt.Grpc.Server;

/// <summary>
/// Everything a handler knows about its call besides the messages: who called, with which metadata,
/// until when, and what to send back beside the messages.
/// </summary>
public sealed class ServerCallContext
{
    private readonly ServerCall _call;
    private Metadata? _responseHeaders;
    private Metadata? _responseTrailers;
    private Dictionary<object, object?>? _items;

    internal ServerCallContext(ServerCall call, string method, DateTime deadline)
    {
        _call = call;
        Method = method;
        Deadline = deadline;
    }

    /// <summary>The full method name, e.g. <c>/grpc.health.v1.Health/Check</c>.</summary>
    public string Method { get; }

    /// <summary>The <c>:authority</c> the client asked for.</summary>
    public string Host => _call.HttpContext.Request.Host.Value ?? "";

    /// <summary>The client's address, e.g. <c>ipv4:127.0.0.1:50312</c>.</summary>
    public string Peer => _call.Peer;

    /// <summary>When the client stops waiting (UTC, from <c>grpc-timeout</c>); <see cref="DateTime.MaxValue"/> when it set none.</summary>
    public DateTime Deadline { get; }

    /// <summary>Cancelled when the client cancels (RST_STREAM), the deadline passes, or the connection drops.</summary>
    public CancellationToken CancellationToken => _call.CallToken;

    /// <summary>The request's custom metadata (including <c>authorization</c>).</summary>
    public Metadata RequestHeaders => _call.RequestHeaders;

    /// <summary>Metadata sent in the response headers: set before the first response is written.</summary>
    public Metadata ResponseHeaders => _responseHeaders ??= new Metadata();

    /// <summary>Metadata sent in the trailers, with the status.</summary>
    public Metadata ResponseTrailers => _responseTrailers ??= new Metadata();

    /// <summary>The status the call ends with when the handler returns normally (throwing <see cref="RpcException"/> also sets it).</summary>
    public Status Status { get; set; } = Status.Ok;

    /// <summary>The authenticated caller, set by an <see cref="IServerCallInterceptor"/>; null when nobody authenticated the call.</summary>
    public ClaimsPrincipal? User { get; set; }

    /// <summary>Per-call state shared between interceptors and the handler.</summary>
    public IDictionary<object, object?> Items => _items ??= new Dictionary<object, object?>();

    /// <summary>
    /// Compress responses with this encoding ("gzip"/"deflate") if the client accepts it. Must be set
    /// before the first response is written. Defaults to the server option, or the request's encoding.
    /// </summary>
    public string? ResponseCompression
    {
        get => _call.ResponseCompression;
        set => _call.ResponseCompression = value;
    }

    /// <summary>Whether the next response messages are compressed (when a response compression is in effect). Default true.</summary>
    public bool CompressResponses { get; set; } = true;

    /// <summary>Whether the last request message read arrived compressed.</summary>
    public bool RequestMessageCompressed => _call.LastRequestCompressed;

    /// <summary>The underlying ASP.NET Core request (connection info, client certificate, features).</summary>
    public HttpContext HttpContext => _call.HttpContext;

    internal Metadata? ResponseHeadersOrNull => _responseHeaders;

    internal Metadata? ResponseTrailersOrNull => _responseTrailers;

    /// <summary>Sends <see cref="ResponseHeaders"/> now, before any response message.</summary>
    public Task WriteResponseHeadersAsync() => _call.SendHeadersAsync();
}
