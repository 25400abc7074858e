using System.Buffers;
using Crdt.Grpc.Internal;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Crdt.Grpc.Server.Internal;

/// <summary>Reading request frames and writing response frames.</summary>
internal sealed partial class ServerCall
{
    /// <summary>Reads the one request of a unary or server-streaming call (and checks that no second one follows).</summary>
    public async Task<TRequest> ReadSingleRequestAsync<TRequest>(MessageParser<TRequest> parser)
        where TRequest : class, IMessage<TRequest>
    {
        var request = await ReadMessageAsync(parser, IoToken).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Unimplemented, "The request ended without a message, but the method takes one.");
        if (await ReadMessageAsync(parser, IoToken).ConfigureAwait(false) is not null)
        {
            throw new RpcException(StatusCode.Unimplemented, "The request has more than one message, but the method takes one.");
        }

        return request;
    }

    /// <summary>Reads the next request message; null at the end of the request stream.</summary>
    public async ValueTask<TRequest?> ReadMessageAsync<TRequest>(MessageParser<TRequest> parser, CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>
    {
        var reader = HttpContext.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryReadFrame(ref buffer, parser, out var message))
            {
                reader.AdvanceTo(buffer.Start);
                return message;
            }

            if (result.IsCompleted)
            {
                var leftover = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (leftover == 0)
                {
                    return null;
                }

                throw new RpcException(StatusCode.Internal, $"The request ended inside a message ({leftover} bytes of an incomplete frame).");
            }

            if (result.IsCanceled)
            {
                throw new OperationCanceledException("Reading the request was cancelled.");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Writes one response message (sending the response headers first if needed).</summary>
    public Task WriteMessageAsync(IMessage message, bool flush)
    {
        ArgumentNullException.ThrowIfNull(message);
        return WriteSerialisedAsync(message, default, flush);
    }

    /// <summary>Writes one response message given as its protobuf encoding (already encoded once
    /// for several streams), framed and compressed like any other.</summary>
    public Task WriteEncodedMessageAsync(ReadOnlyMemory<byte> encodedMessage, bool flush) =>
        WriteSerialisedAsync(null, encodedMessage, flush);

    /// <summary>Writes several encoded response messages, unflushed, framed into one piece of the
    /// body pipe (one hand-over to the connection's writer instead of one per message).</summary>
    public Task WriteEncodedMessagesAsync(IReadOnlyList<ReadOnlyMemory<byte>> encodedMessages) =>
        WriteSerialisedAsync(null, null, flush: false, encodedMessages);

    /// <summary>Sends the response messages written without a flush (and the headers, if not yet sent).</summary>
    public Task FlushResponsesAsync() => WriteSerialisedAsync(null, null, flush: true);

    // One writer at a time, and, on calls with a deadline, never at the same time as the status.
    private async Task WriteSerialisedAsync(IMessage? message, ReadOnlyMemory<byte>? encoded, bool flush,
        IReadOnlyList<ReadOnlyMemory<byte>>? encodedMany = null)
    {
        if (_writeLock is null)
        {
            await WriteMessageCoreAsync(message, encoded, flush, encodedMany).ConfigureAwait(false);
            return;
        }

        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await WriteMessageCoreAsync(message, encoded, flush, encodedMany).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Frames <paramref name="message"/>, or <paramref name="encoded"/> when no message is
    /// given, or each of <paramref name="encodedMany"/>, or nothing (a bare flush).</summary>
    private async Task WriteMessageCoreAsync(IMessage? message, ReadOnlyMemory<byte>? encoded, bool flush, IReadOnlyList<ReadOnlyMemory<byte>>? encodedMany)
    {
        if (_completed)
        {
            throw new InvalidOperationException("The call has already completed; no more responses can be written.");
        }

        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("A response write is already in progress; await each WriteAsync before the next.");
        }

        try
        {
            IoToken.ThrowIfCancellationRequested();
            EnsureHeaders();
            var writer = HttpContext.Response.BodyWriter;
            if (encodedMany is not null)
            {
                WriteFrames(writer, encodedMany);
            }
            else if (message is not null || encoded is not null)
            {
                var size = message?.CalculateSize() ?? encoded!.Value.Length;
                MessageSerializer.CheckSendSize(size, _options.MaxSendMessageSize);
                if (_responseEncoding is not null && Context.CompressResponses)
                {
                    var compressed = GrpcCompression.Compress(_responseEncoding, message?.ToByteArray() ?? encoded!.Value.ToArray());
                    var span = writer.GetSpan(MessageFraming.HeaderSize + compressed.Length);
                    MessageFraming.WriteHeader(span, compressed: true, compressed.Length);
                    compressed.CopyTo(span.Slice(MessageFraming.HeaderSize));
                    writer.Advance(MessageFraming.HeaderSize + compressed.Length);
                }
                else
                {
                    var span = writer.GetSpan(MessageFraming.HeaderSize + size);
                    MessageFraming.WriteHeader(span, compressed: false, size);
                    if (message is not null)
                    {
                        message.WriteTo(span.Slice(MessageFraming.HeaderSize, size));
                    }
                    else
                    {
                        encoded!.Value.Span.CopyTo(span.Slice(MessageFraming.HeaderSize, size));
                    }

                    writer.Advance(MessageFraming.HeaderSize + size);
                }
            }

            if (flush)
            {
                var result = await writer.FlushAsync(IoToken).ConfigureAwait(false);
                if (result.IsCanceled || result.IsCompleted)
                {
                    throw new OperationCanceledException("The client is no longer reading responses.");
                }
            }
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    private void WriteFrames(System.IO.Pipelines.PipeWriter writer, IReadOnlyList<ReadOnlyMemory<byte>> encodedMessages)
    {
        var total = 0;
        foreach (var encoded in encodedMessages)
        {
            MessageSerializer.CheckSendSize(encoded.Length, _options.MaxSendMessageSize);
            total += MessageFraming.HeaderSize + encoded.Length;
        }

        if (_responseEncoding is not null && Context.CompressResponses)
        {
            foreach (var encoded in encodedMessages)
            {
                var compressed = GrpcCompression.Compress(_responseEncoding, encoded.ToArray());
                var frame = writer.GetSpan(MessageFraming.HeaderSize + compressed.Length);
                MessageFraming.WriteHeader(frame, compressed: true, compressed.Length);
                compressed.CopyTo(frame.Slice(MessageFraming.HeaderSize));
                writer.Advance(MessageFraming.HeaderSize + compressed.Length);
            }

            return;
        }

        var span = writer.GetSpan(total);
        var at = 0;
        foreach (var encoded in encodedMessages)
        {
            MessageFraming.WriteHeader(span.Slice(at), compressed: false, encoded.Length);
            encoded.Span.CopyTo(span.Slice(at + MessageFraming.HeaderSize));
            at += MessageFraming.HeaderSize + encoded.Length;
        }

        writer.Advance(total);
    }

    /// <summary>Sends the response headers now (ServerCallContext.WriteResponseHeadersAsync).</summary>
    public async Task SendHeadersAsync()
    {
        if (_writeLock is not null)
        {
            await _writeLock.WaitAsync().ConfigureAwait(false);
        }

        try
        {
            if (_headersSent || _completed)
            {
                throw new InvalidOperationException("The response headers were already sent.");
            }

            EnsureHeaders();
            await HttpContext.Response.BodyWriter.FlushAsync(IoToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock?.Release();
        }
    }

    private void EnsureHeaders()
    {
        if (_headersSent)
        {
            return;
        }

        _headersSent = true;
        var response = HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ReservedHeaders.GrpcContentType;
        var wanted = ResponseCompression ?? _options.ResponseCompression ?? _requestEncoding;
        if (wanted is not null && wanted != GrpcCompression.Identity && GrpcCompression.IsSupported(wanted)
            && GrpcCompression.ListContains(_clientAcceptEncoding, wanted))
        {
            _responseEncoding = wanted;
            response.Headers[ReservedHeaders.GrpcEncoding] = wanted;
        }

        response.Headers[ReservedHeaders.GrpcAcceptEncoding] = GrpcCompression.AcceptEncoding;
        AppendMetadata(response.Headers, Context.ResponseHeadersOrNull);
    }

    private bool TryReadFrame<TRequest>(ref ReadOnlySequence<byte> buffer, MessageParser<TRequest> parser, out TRequest? message)
        where TRequest : class, IMessage<TRequest>
    {
        message = null;
        if (buffer.Length < MessageFraming.HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[MessageFraming.HeaderSize];
        buffer.Slice(0, MessageFraming.HeaderSize).CopyTo(header);
        var (flag, length) = MessageFraming.ReadHeader(header);
        if (flag > 1)
        {
            throw new RpcException(StatusCode.Internal, $"Invalid request frame: compressed flag is {flag}, must be 0 or 1.");
        }

        if (flag == 1 && _requestEncoding is null)
        {
            throw new RpcException(StatusCode.Internal, "A request message is flagged compressed, but the request has no grpc-encoding.");
        }

        var max = _options.MaxReceiveMessageSize ?? int.MaxValue;
        if (length > (uint)max)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {max})");
        }

        if (buffer.Length < MessageFraming.HeaderSize + length)
        {
            return false;
        }

        var payload = buffer.Slice(MessageFraming.HeaderSize, length);
        try
        {
            if (flag == 1)
            {
                var inflated = GrpcCompression.Decompress(_requestEncoding!, payload.ToArray(), max)
                    ?? throw new RpcException(StatusCode.ResourceExhausted, $"Decompressed request message larger than max ({max}).");
                message = parser.ParseFrom(inflated);
            }
            else
            {
                message = parser.ParseFrom(payload);
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to parse the request message: {ex.Message}");
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to decompress the request message ({_requestEncoding}): {ex.Message}");
        }

        LastRequestCompressed = flag == 1;
        buffer = buffer.Slice(payload.End);
        return true;
    }
}
