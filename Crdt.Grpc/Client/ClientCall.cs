using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Crdt.Grpc.Internal;
using Google.Protobuf;

namespace Crdt.Grpc.Client;

/// <summary>
/// One call on the wire, for all four kinds: sends the request headers and body, reads response
/// headers, messages and trailers, and turns every way a call can end into one <see cref="Status"/>.
/// The public call types are thin views over it.
/// </summary>
internal sealed class ClientCall<TRequest, TResponse> : IAsyncStreamReader<TResponse>, IClientStreamWriter<TRequest>, IDisposable
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _callCts = new();
    private readonly TaskCompletionSource<Metadata> _responseHeaders = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string? _requestEncoding;
    private readonly object _finishLock = new();
    private CancellationTokenRegistration _userCancellation;
    private DateTime? _deadline;
    private StreamingRequestContent? _requestContent;
    private Task<HttpResponseMessage?> _responseTask = Task.FromResult<HttpResponseMessage?>(null);
    private HttpResponseMessage? _response;
    private ResponseFrameReader? _reader;
    private string? _responseEncoding;
    private Status? _status;
    private Metadata? _trailers;
    private bool _cancelledByUser;
    private bool _requestCompleted;

    public ClientCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        _requestEncoding = options.RequestCompression ?? channel.Options.RequestCompression;
        if (_requestEncoding is not null && !GrpcCompression.IsSupported(_requestEncoding))
        {
            throw new ArgumentException($"Unsupported request compression '{_requestEncoding}'; use gzip or deflate.");
        }
    }

    public TResponse Current { get; private set; } = null!;

    public Task<Metadata> ResponseHeadersAsync => _responseHeaders.Task;

    /// <summary>Starts the call; <paramref name="request"/> null means the requests are streamed.</summary>
    public void Start(TRequest? request)
    {
        _deadline = _options.EffectiveDeadline(DateTime.UtcNow);
        if (_deadline is { } deadline)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                Finish(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), new Metadata());
                return;
            }

            _callCts.CancelAfter(remaining);
        }

        // However the call is cancelled (user, deadline, failure), a response still open must be
        // disposed: that is what makes SocketsHttpHandler send RST_STREAM(CANCEL) to the server.
        _callCts.Token.UnsafeRegister(static s => ((ClientCall<TRequest, TResponse>)s!).AbortResponse(), this);

        if (_options.CancellationToken.CanBeCanceled)
        {
            _userCancellation = _options.CancellationToken.UnsafeRegister(static s => ((ClientCall<TRequest, TResponse>)s!).CancelByUser(), this);
        }

        HttpContent content;
        if (request is not null)
        {
            byte[] frame;
            try
            {
                frame = MessageSerializer.Frame(request, _requestEncoding, _channel.Options.MaxSendMessageSize);
            }
            catch (RpcException tooLarge)
            {
                // Fail the call, not the caller's stack: the status arrives like any other.
                Finish(tooLarge.Status, new Metadata());
                return;
            }

            content = new FramedMessageContent(frame);
            _requestCompleted = true;
        }
        else
        {
            _requestContent = new StreamingRequestContent();
            content = _requestContent;
        }

        var message = new HttpRequestMessage(HttpMethod.Post, _channel.GetMethodUri(_method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        AddRequestHeaders(message.Headers);
        _responseTask = SendAsync(message);
    }

    public async Task<TResponse> ReadSingleResponseAsync()
    {
        if (!await MoveNext().ConfigureAwait(false))
        {
            throw Fail(new Status(StatusCode.Internal, "The server ended the call without a response message."));
        }

        var response = Current;
        if (await MoveNext().ConfigureAwait(false))
        {
            throw Fail(new Status(StatusCode.Internal, "The server sent more than one response message to a single-response call."));
        }

        return response;
    }

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        var response = await _responseTask.ConfigureAwait(false);
        if (_status is { } done)
        {
            return done.StatusCode == StatusCode.OK ? false : throw new RpcException(done, _trailers ?? new Metadata());
        }

        await using var _ = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((ClientCall<TRequest, TResponse>)s!).CancelByUser(), this)
            : default;
        try
        {
            if (!await _reader!.ReadFrameAsync(_callCts.Token).ConfigureAwait(false))
            {
                FinishFromTrailers(response!);
                _reader.Dispose();
                response!.Dispose();
                return _status!.Value.StatusCode == StatusCode.OK
                    ? false
                    : throw new RpcException(_status.Value, _trailers!);
            }

            Current = ParseCurrentFrame();
            return true;
        }
        catch (Exception ex) when (ex is not RpcException || _status is null)
        {
            var failure = Fail(ex is RpcException rpc ? rpc.Status : StatusFromException(ex));
            _reader!.Dispose();
            throw failure;
        }
    }

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_requestContent is null)
        {
            throw new InvalidOperationException("This call has no request stream.");
        }

        if (_requestCompleted)
        {
            throw new InvalidOperationException("The request stream was already completed.");
        }

        ThrowIfFinishedWithError();
        var frame = MessageSerializer.Frame(message, _requestEncoding, _channel.Options.MaxSendMessageSize);
        try
        {
            var stream = await _requestContent.RequestStream.WaitAsync(cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            // The call may have ended (the server answered early, or it was cancelled): report why.
            ThrowIfFinishedWithError();
            if (_status is not null)
            {
                throw new InvalidOperationException("The call has already completed; the server takes no more requests.", ex);
            }

            throw Fail(StatusFromException(ex));
        }
    }

    public Task CompleteAsync()
    {
        _requestCompleted = true;
        _requestContent?.Complete();
        return Task.CompletedTask;
    }

    public Status GetStatus() => _status ?? throw new InvalidOperationException("The call has not completed yet.");

    public Metadata GetTrailers() => _trailers ?? throw new InvalidOperationException("The call has not completed yet.");

    /// <summary>Ends the call; a call still running is cancelled (RST_STREAM CANCEL).</summary>
    public void Dispose()
    {
        if (_status is null)
        {
            CancelByUser();
            Finish(new Status(StatusCode.Cancelled, "Call disposed before it completed."), new Metadata());
        }

        _response?.Dispose();
    }

    private void CancelByUser()
    {
        _cancelledByUser = true;
        try
        {
            _callCts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void AbortResponse()
    {
        if (_status is { StatusCode: StatusCode.OK })
        {
            return;
        }

        Volatile.Read(ref _response)?.Dispose();
    }

    private void AddRequestHeaders(HttpRequestHeaders headers)
    {
        headers.TryAddWithoutValidation(ReservedHeaders.Te, "trailers");
        headers.TryAddWithoutValidation(ReservedHeaders.UserAgent, GrpcChannel.UserAgent);
        headers.TryAddWithoutValidation(ReservedHeaders.GrpcAcceptEncoding, GrpcCompression.AcceptEncoding);
        if (_requestEncoding is not null)
        {
            headers.TryAddWithoutValidation(ReservedHeaders.GrpcEncoding, _requestEncoding);
        }

        if (_deadline is { } deadline)
        {
            headers.TryAddWithoutValidation(ReservedHeaders.GrpcTimeout, GrpcTimeout.Format(deadline - DateTime.UtcNow));
        }

        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                headers.TryAddWithoutValidation(entry.Key, MetadataCodec.EncodeValue(entry));
            }
        }
    }

    private async Task<HttpResponseMessage?> SendAsync(HttpRequestMessage request)
    {
        HttpResponseMessage response;
        try
        {
            response = await _channel.Invoker.SendAsync(request, _callCts.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fail(StatusFromException(ex));
            return null;
        }

        _response = response;
        if (_callCts.IsCancellationRequested)
        {
            response.Dispose();
        }

        var headers = ReadMetadata(response.Headers);
        if (ImmediateStatus(response) is { } immediate)
        {
            // Trailers-Only (or not a gRPC answer at all): the headers are the trailers.
            _responseHeaders.TrySetResult(headers);
            Finish(immediate, headers);
            return response;
        }

        _responseEncoding = FirstValue(response.Headers, ReservedHeaders.GrpcEncoding);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(_callCts.Token).ConfigureAwait(false);
            _reader = new ResponseFrameReader(body, _channel.Options.MaxReceiveMessageSize);
        }
        catch (Exception ex)
        {
            Fail(StatusFromException(ex));
            return response;
        }

        _responseHeaders.TrySetResult(headers);
        return response;
    }

    /// <summary>The status when the response headers already end the call; null for a normal response.</summary>
    private static Status? ImmediateStatus(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new Status(StatusMapping.FromHttpStatus(response.StatusCode), $"Received HTTP status code {(int)response.StatusCode}");
        }

        if (FirstValue(response.Headers, ReservedHeaders.GrpcStatus) is not null)
        {
            return ReadStatus(response.Headers);
        }

        var contentType = response.Content.Headers.ContentType?.ToString();
        if (!ReservedHeaders.IsGrpcContentType(contentType))
        {
            return new Status(StatusCode.Unknown, $"Invalid content-type '{contentType}' in the response.");
        }

        return null;
    }

    private TResponse ParseCurrentFrame()
    {
        var payload = _reader!.Payload;
        if (_reader.Compressed)
        {
            if (_responseEncoding is null || !GrpcCompression.IsSupported(_responseEncoding) || _responseEncoding == GrpcCompression.Identity)
            {
                throw new RpcException(StatusCode.Internal, $"Compressed response message with grpc-encoding '{_responseEncoding}'.");
            }

            var inflated = GrpcCompression.Decompress(_responseEncoding, payload.Span, _channel.Options.MaxReceiveMessageSize ?? int.MaxValue)
                ?? throw new RpcException(StatusCode.ResourceExhausted, $"Decompressed response message larger than max ({_channel.Options.MaxReceiveMessageSize}).");
            return _method.ResponseParser.ParseFrom(inflated);
        }

        return _method.ResponseParser.ParseFrom(payload.Span);
    }

    private void FinishFromTrailers(HttpResponseMessage response)
    {
        var trailers = response.TrailingHeaders;
        var metadata = ReadMetadata(trailers);
        var status = FirstValue(trailers, ReservedHeaders.GrpcStatus) is null
            ? new Status(StatusCode.Unknown, "The server ended the response without grpc-status.")
            : ReadStatus(trailers);
        Finish(status, metadata);
    }

    private static Status ReadStatus(HttpHeaders headers)
    {
        var codeText = FirstValue(headers, ReservedHeaders.GrpcStatus);
        var message = FirstValue(headers, ReservedHeaders.GrpcMessage);
        var detail = message is null ? "" : GrpcMessageEncoding.Decode(message);
        if (!int.TryParse(codeText, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return new Status(StatusCode.Unknown, $"Invalid grpc-status '{codeText}'. {detail}".TrimEnd());
        }

        return new Status((StatusCode)code, detail);
    }

    private static string? FirstValue(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static Metadata ReadMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers.NonValidated)
        {
            foreach (var value in values)
            {
                MetadataCodec.AddReceived(metadata, name, value);
            }
        }

        return metadata;
    }

    private Status StatusFromException(Exception exception)
    {
        if (_deadline is { } deadline && DateTime.UtcNow >= deadline)
        {
            return new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }

        if (_callCts.IsCancellationRequested)
        {
            return _cancelledByUser
                ? new Status(StatusCode.Cancelled, "Call cancelled by the client.")
                : new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }

        if (exception is InvalidProtocolBufferException)
        {
            return new Status(StatusCode.Internal, $"Failed to parse the response message: {exception.Message}");
        }

        if (exception is InvalidDataException)
        {
            return new Status(StatusCode.Internal, $"Failed to decompress the response message: {exception.Message}");
        }

        return StatusMapping.FromTransportException(exception);
    }

    private void ThrowIfFinishedWithError()
    {
        if (_status is { StatusCode: not StatusCode.OK } status)
        {
            throw new RpcException(status, _trailers ?? new Metadata());
        }
    }

    /// <summary>Ends the call with an error status (cancelling the HTTP/2 stream) and returns the exception to throw.</summary>
    private RpcException Fail(Status status)
    {
        Finish(status, new Metadata());
        var final = _status!.Value;
        if (final.StatusCode != StatusCode.OK)
        {
            try
            {
                _callCts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        return new RpcException(final, _trailers!);
    }

    private void Finish(Status status, Metadata trailers)
    {
        lock (_finishLock)
        {
            if (_status is not null)
            {
                return;
            }

            _status = status;
            _trailers = trailers;
        }

        _responseHeaders.TrySetException(new RpcException(status, trailers));
        _ = _responseHeaders.Task.Exception; // observed: a caller need not await the headers
        _requestContent?.Abort();
        _userCancellation.Dispose();
        _callCts.CancelAfter(Timeout.InfiniteTimeSpan);
    }
}
