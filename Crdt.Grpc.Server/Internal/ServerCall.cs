using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using Crdt.Grpc.Internal;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace Crdt.Grpc.Server.Internal;

/// <summary>
/// The wire side of one server call on Kestrel: validates the request headers, reads request
/// frames from the body pipe, writes response headers, frames and the status (trailers, or
/// Trailers-Only when nothing was sent). Handlers never see it; they see the context.
/// </summary>
internal sealed partial class ServerCall : IDisposable
{
    private readonly GrpcServerOptions _options;
    private readonly GrpcServerRuntime _runtime;
    private readonly ILogger _logger;
    private CancellationTokenSource? _cts;
    private Metadata? _requestHeaders;
    private readonly string? _requestEncoding;
    private readonly string? _clientAcceptEncoding;
    private readonly DateTime _deadline;
    private string? _responseEncoding;
    private bool _headersSent;
    private bool _completed;

    // Only calls with a deadline need it: the deadline may end the call while the handler writes.
    private readonly SemaphoreSlim? _writeLock;
    private int _writing;

    private ServerCall(HttpContext httpContext, GrpcServerRuntime runtime, string method, string? requestEncoding, TimeSpan? timeout)
    {
        HttpContext = httpContext;
        _runtime = runtime;
        _options = runtime.Options;
        _logger = runtime.Logger;
        _requestEncoding = requestEncoding == GrpcCompression.Identity ? null : requestEncoding;
        _clientAcceptEncoding = httpContext.Request.Headers[ReservedHeaders.GrpcAcceptEncoding].ToString();
        _deadline = DateTime.MaxValue;
        if (timeout is { } t)
        {
            _deadline = DateTime.UtcNow + t;
            _cts = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, runtime.Stopping);
            _cts.CancelAfter(t);
            _writeLock = new SemaphoreSlim(1, 1);
        }

        Context = new ServerCallContext(this, method, _deadline);
    }

    /// <summary>
    /// The call's token (client reset, deadline, host stopping). Created on first use: a handler
    /// that never asks for it, on a call without deadline, costs no token source.
    /// </summary>
    public CancellationToken CallToken =>
        (_cts ??= CancellationTokenSource.CreateLinkedTokenSource(HttpContext.RequestAborted, _runtime.Stopping)).Token;

    /// <summary>The token for our own reads and writes: the call token if it exists (Kestrel fails I/O on reset anyway).</summary>
    private CancellationToken IoToken => _cts?.Token ?? default;

    public Metadata RequestHeaders => _requestHeaders ??= ReadRequestMetadata(HttpContext.Request.Headers);

    public HttpContext HttpContext { get; }

    public ServerCallContext Context { get; }

    public string? ResponseCompression { get; set; }

    public bool LastRequestCompressed { get; private set; }

    public string Peer
    {
        get
        {
            var connection = HttpContext.Connection;
            var address = connection.RemoteIpAddress;
            if (address is null)
            {
                return "unknown";
            }

            return address.AddressFamily == AddressFamily.InterNetworkV6 && !address.IsIPv4MappedToIPv6
                ? $"ipv6:[{address}]:{connection.RemotePort}"
                : $"ipv4:{(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address)}:{connection.RemotePort}";
        }
    }

    /// <summary>
    /// The deadline passed. Judged by elimination rather than by the clock alone: the timer may fire
    /// a fraction of a millisecond before DateTime.UtcNow reaches the deadline.
    /// </summary>
    private bool DeadlineExceeded =>
        _deadline != DateTime.MaxValue
        && (DateTime.UtcNow >= _deadline
            || (_cts?.IsCancellationRequested == true && !HttpContext.RequestAborted.IsCancellationRequested && !_runtime.Stopping.IsCancellationRequested));

    /// <summary>
    /// Checks the request headers; null when the request was already answered (not HTTP/2, not
    /// gRPC, unsupported encoding, bad timeout).
    /// </summary>
    public static ServerCall? TryStart(HttpContext httpContext, GrpcServerRuntime runtime, string method)
    {
        var request = httpContext.Request;
        var response = httpContext.Response;
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            response.Headers.Upgrade = "h2c";
            return null;
        }

        if (!ReservedHeaders.IsGrpcContentType(request.ContentType))
        {
            // PROTOCOL-HTTP2.md: a server SHOULD answer a non-gRPC content-type with HTTP 415.
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return null;
        }

        var encoding = request.Headers[ReservedHeaders.GrpcEncoding].ToString();
        if (encoding.Length > 0 && !GrpcCompression.IsSupported(encoding))
        {
            response.Headers[ReservedHeaders.GrpcAcceptEncoding] = GrpcCompression.AcceptEncoding;
            WriteTrailersOnly(response, new Status(StatusCode.Unimplemented, $"Unsupported grpc-encoding '{encoding}'; supported: {GrpcCompression.AcceptEncoding}."), null);
            return null;
        }

        TimeSpan? timeout = null;
        var timeoutHeader = request.Headers[ReservedHeaders.GrpcTimeout].ToString();
        if (timeoutHeader.Length > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var parsed))
            {
                WriteTrailersOnly(response, new Status(StatusCode.Internal, $"Invalid grpc-timeout '{timeoutHeader}'."), null);
                return null;
            }

            timeout = parsed;
        }

        // A gRPC stream may be long and quiet: Kestrel's per-request body limits are for HTTP/1 uploads.
        if (httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        if (httpContext.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rateFeature)
        {
            rateFeature.MinDataRate = null;
        }

        return new ServerCall(httpContext, runtime, method, encoding.Length > 0 ? encoding : null, timeout);
    }

    /// <summary>Ends the call normally, with the handler's status and trailers.</summary>
    public Task CompleteAsync() => FinishAsync(Context.Status, Context.ResponseTrailersOrNull);

    /// <summary>Completes when the call's token fires (deadline, reset or shutdown); never for a call without deadline.</summary>
    public Task WhenCancelledAsync()
    {
        if (_cts is null)
        {
            return Task.Delay(Timeout.Infinite);
        }

        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _cts.Token.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), fired);
        return fired.Task;
    }

    /// <summary>
    /// The deadline passed while the handler still runs (it ignores its token): answer
    /// DEADLINE_EXCEEDED now and end the response; the handler's later writes are refused.
    /// </summary>
    public async Task CompleteForDeadlineAsync()
    {
        if (!DeadlineExceeded)
        {
            return;
        }

        await FinishAsync(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), Context.ResponseTrailersOrNull).ConfigureAwait(false);
        try
        {
            await HttpContext.Response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client is already gone: nothing left to tell it.
        }
    }

    /// <summary>Ends the call for a handler (or protocol) failure, with the status it means.</summary>
    public Task CompleteWithErrorAsync(Exception exception)
    {
        if (_completed)
        {
            // The status went out already (deadline): what the handler threw after that is moot.
            return Task.CompletedTask;
        }

        if (HttpContext.RequestAborted.IsCancellationRequested && exception is not RpcException)
        {
            // The client reset the stream or the connection dropped: nobody is left to hear a status.
            Log.CallAbortedByClient(_logger, Context.Method);
            _completed = true;
            return Task.CompletedTask;
        }

        Status status;
        var trailers = Context.ResponseTrailersOrNull;
        switch (exception)
        {
            case RpcException rpc:
                status = rpc.Status;
                if (rpc.Trailers.Count > 0)
                {
                    trailers = Context.ResponseTrailers;
                    foreach (var entry in rpc.Trailers)
                    {
                        trailers.AddTrusted(entry);
                    }
                }

                break;
            case OperationCanceledException when DeadlineExceeded:
                status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
                break;
            case OperationCanceledException when _runtime.Stopping.IsCancellationRequested:
                status = new Status(StatusCode.Unavailable, "The server is shutting down.");
                break;
            default:
                Log.HandlerFailed(_logger, Context.Method, exception);
                status = new Status(
                    StatusCode.Unknown,
                    _options.EnableDetailedErrors ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}" : "Exception was thrown by handler.");
                break;
        }

        return FinishAsync(status, trailers);
    }

    public void Dispose()
    {
        _completed = true;
        _cts?.Dispose();
        _writeLock?.Dispose();
    }

    private async Task FinishAsync(Status status, Metadata? trailers)
    {
        if (_writeLock is null)
        {
            FinishCore(status, trailers);
            return;
        }

        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            FinishCore(status, trailers);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void FinishCore(Status status, Metadata? trailers)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        var response = HttpContext.Response;
        if (!_headersSent && !response.HasStarted)
        {
            WriteTrailersOnly(response, status, trailers, Context.ResponseHeadersOrNull);
            return;
        }

        // User trailers first, then the status (grpc-dotnet's order; peers read either).
        foreach (var entry in trailers ?? (IEnumerable<MetadataEntry>)[])
        {
            response.AppendTrailer(entry.Key, MetadataCodec.EncodeValue(entry));
        }

        response.AppendTrailer(ReservedHeaders.GrpcStatus, ((int)status.StatusCode).ToString(CultureInfo.InvariantCulture));
        if (status.Detail.Length > 0)
        {
            response.AppendTrailer(ReservedHeaders.GrpcMessage, GrpcMessageEncoding.Encode(status.Detail));
        }

    }

    /// <summary>A single HEADERS frame with END_STREAM carrying the status: for a call that sent nothing.</summary>
    private static void WriteTrailersOnly(HttpResponse response, Status status, Metadata? trailers, Metadata? headers = null)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ReservedHeaders.GrpcContentType;
        AppendMetadata(response.Headers, headers);
        AppendMetadata(response.Headers, trailers);
        response.Headers[ReservedHeaders.GrpcStatus] = ((int)status.StatusCode).ToString(CultureInfo.InvariantCulture);
        if (status.Detail.Length > 0)
        {
            response.Headers[ReservedHeaders.GrpcMessage] = GrpcMessageEncoding.Encode(status.Detail);
        }
    }

    private static void AppendMetadata(IHeaderDictionary headers, Metadata? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        foreach (var entry in metadata)
        {
            headers.Append(entry.Key, MetadataCodec.EncodeValue(entry));
        }
    }

    private static Metadata ReadRequestMetadata(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                if (value is not null)
                {
                    MetadataCodec.AddReceived(metadata, name, value);
                }
            }
        }

        return metadata;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "gRPC handler for {Method} failed")]
        public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

        [LoggerMessage(2, LogLevel.Debug, "gRPC call {Method} was cancelled by the client or the connection dropped")]
        public static partial void CallAbortedByClient(ILogger logger, string method);
    }
}
