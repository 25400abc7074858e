namespace Crdt.Grpc;

/// <summary>Writes messages to a stream, one write at a time (await each write before the next).</summary>
public interface IAsyncStreamWriter<in T>
{
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}
