using Crdt.Relay.Auth;
using Google.Protobuf;
using Crdt.Replica.Internal.Transport;
using Wire = Crdt.Core.Wire;

namespace Crdt.Simulation.Network;

/// <summary>A replica's <see cref="IRelayConnection"/> over the simulated network, as one signed-in person.</summary>
internal sealed class SimRelayConnection(SimNetwork network, string device, CallerIdentity caller) : IRelayConnection
{
    // Encoded and parsed again, as off the wire: the replica pushes its stored op bytes as they
    // are (PushRequest.OfEncodedOps), which only a parse turns into the request's ops.
    public Task<Wire.PushResponse> PushAsync(Wire.PushRequest request, CancellationToken cancellationToken) =>
        network.PushAsync(device, caller, Wire.PushRequest.Parser.ParseFrom(request.ToByteArray()));

    // What the device has made (replica, made-through) only acknowledges compaction; the simulation does not compact.
    public IAsyncEnumerable<Wire.PullResponse> PullAsync(ulong cursor, uint maxItems, string replica, ulong madeThrough, CancellationToken cancellationToken) =>
        network.PullAsync(device, caller, cursor, maxItems);

    // The simulation drives sync step by step (SyncAsync); live streams would need a scheduler of their own.
    public IAsyncEnumerable<Wire.PullResponse> SubscribeAsync(ulong cursor, string replica, ulong madeThrough, CancellationToken cancellationToken) =>
        throw new RelayUnreachableException("no live streams in the simulation", new NotSupportedException());

    public Task<Wire.PinResponse> PinAsync(Wire.PinRequest request, CancellationToken cancellationToken) =>
        network.PinAsync(device, caller, request);

    public Task<Wire.WhoAmIResponse> WhoAmIAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new Wire.WhoAmIResponse { Name = caller.Name, Role = caller.Role.ToString().ToLowerInvariant(), Tenant = caller.Tenant });

    public Task<Wire.RegisterSigningKeyResponse> RegisterSigningKeyAsync(Wire.RegisterSigningKeyRequest request, CancellationToken cancellationToken) =>
        network.RegisterSigningKeyAsync(device, caller, request);

    public void Dispose()
    {
    }
}
