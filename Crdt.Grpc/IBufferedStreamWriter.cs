namespace Crdt.Grpc;

/// <summary>
/// A response stream that can hold messages back and send a burst with one flush, and send a
/// message given as its protobuf encoding. A server that sends the same message to many streams
/// encodes it once; one that sends many small messages at once pays the transport's flush (an
/// HTTP/2 DATA frame, a socket write, a wake-up of the connection's writer) once per burst instead
/// of once per message. <see cref="IAsyncStreamWriter{T}.WriteAsync"/> still sends at once, after
/// anything held back.
/// </summary>
public interface IBufferedStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>Adds the message to the stream without sending it yet; the next flush sends it.</summary>
    Task WriteBufferedAsync(T message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds one message given as its protobuf encoding (the caller vouches that the bytes are one
    /// encoded <typeparamref name="T"/>), without sending it yet; the next flush sends it.
    /// </summary>
    Task WriteEncodedBufferedAsync(ReadOnlyMemory<byte> encodedMessage, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds several messages given as their protobuf encodings, in order, without sending them yet:
    /// the same as one <see cref="WriteEncodedBufferedAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
    /// each, but handed to the transport in one piece.
    /// </summary>
    Task WriteEncodedBufferedAsync(IReadOnlyList<ReadOnlyMemory<byte>> encodedMessages, CancellationToken cancellationToken = default);

    /// <summary>Sends everything held back.</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);
}
