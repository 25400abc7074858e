namespace Crdt.Grpc;

/// <summary>
/// Reads a stream of messages one at a time: <c>while (await reader.MoveNext(ct)) use(reader.Current);</c>
/// or <c>await foreach (var m in reader.ReadAllAsync(ct))</c>.
/// </summary>
public interface IAsyncStreamReader<out T>
{
    /// <summary>The message read by the last successful <see cref="MoveNext"/>.</summary>
    T Current { get; }

    /// <summary>Reads the next message; false at the end of the stream. Throws <see cref="RpcException"/> when the call fails.</summary>
    Task<bool> MoveNext(CancellationToken cancellationToken = default);
}
