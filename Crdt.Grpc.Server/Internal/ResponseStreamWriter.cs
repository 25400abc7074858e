using Google.Protobuf;

namespace Crdt.Grpc.Server.Internal;

/// <summary>
/// The response stream a server-streaming or duplex handler writes: <see cref="WriteAsync"/>
/// flushes each message; the buffered writes hold messages back until a flush.
/// </summary>
internal sealed class ResponseStreamWriter<TResponse> : IBufferedStreamWriter<TResponse>
    where TResponse : class, IMessage<TResponse>
{
    private readonly ServerCall _call;

    public ResponseStreamWriter(ServerCall call) => _call = call;

    public Task WriteAsync(TResponse message, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _call.WriteMessageAsync(message, flush: true);
    }

    public Task WriteBufferedAsync(TResponse message, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _call.WriteMessageAsync(message, flush: false);
    }

    public Task WriteEncodedBufferedAsync(ReadOnlyMemory<byte> encodedMessage, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _call.WriteEncodedMessageAsync(encodedMessage, flush: false);
    }

    public Task WriteEncodedBufferedAsync(IReadOnlyList<ReadOnlyMemory<byte>> encodedMessages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encodedMessages);
        cancellationToken.ThrowIfCancellationRequested();
        return _call.WriteEncodedMessagesAsync(encodedMessages);
    }

    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _call.FlushResponsesAsync();
    }
}
