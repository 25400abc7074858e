using Crdt.Grpc;
using Wire = Crdt.Core.Wire;

namespace Crdt.Simulation.Relay;

/// <summary>The server side of a pull stream, in memory: keeps every item the relay writes.
/// (The only file that names the gRPC runtime's stream writer type.)</summary>
internal sealed class CollectingStreamWriter : IAsyncStreamWriter<Wire.PullResponse>
{
    public List<Wire.PullResponse> Items { get; } = [];

    public Task WriteAsync(Wire.PullResponse message, CancellationToken cancellationToken = default)
    {
        // A copy, as bytes on a wire would be: the relay may share message objects between streams.
        Items.Add(message.Clone());
        return Task.CompletedTask;
    }
}
