using Google.Protobuf;

namespace Crdt.Grpc.Server.Internal;

/// <summary>The response stream a server-streaming or duplex handler writes; each write is flushed.</summary>
internal sealed class ResponseStreamWriter<TResponse> : IAsyncStreamWriter<TResponse>
    where TResponse : class, IMessage<TResponse>
{
    private readonly ServerCall _call;

    public ResponseStreamWriter(ServerCall call) => _call = call;

    public Task WriteAsync(TResponse message, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _call.WriteMessageAsync(message, flush: true);
    }
}
