using Google.Protobuf;
using Grpc.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Simulation.Relay;

/// <summary>The server side of a pull stream, in memory: keeps every item the relay writes.
/// (The only file that names the gRPC runtime's stream writer type.)</summary>
internal sealed class CollectingStreamWriter : IServerStreamWriter<Wire.PullResponse>
{
    public List<Wire.PullResponse> Items { get; } = [];

    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(Wire.PullResponse message)
    {
        // A copy, as bytes on a wire would be: the relay may share message objects between streams.
        // Encoded and parsed again: an item may carry its op as stored bytes (an unknown field), which
        // a receiving device reads as the op, as it would off the wire.
        Items.Add(Wire.PullResponse.Parser.ParseFrom(message.ToByteArray()));
        return Task.CompletedTask;
    }
}
