using Crdt.Core.Wire;

namespace Crdt.Replica.Internal.Transport;

/// <summary>
/// The byte-moving side of sync: one signed-in user's calls to the relay. Throws
/// <see cref="RelayUnreachableException"/> when retrying later may help and
/// <see cref="RelayRefusedException"/> when the relay answered no.
/// </summary>
internal interface IRelayConnection : IDisposable
{
    Task<PushResponse> PushAsync(PushRequest request, CancellationToken cancellationToken);

    IAsyncEnumerable<PullResponse> PullAsync(ulong cursor, uint maxItems, CancellationToken cancellationToken);

    IAsyncEnumerable<PullResponse> SubscribeAsync(ulong cursor, CancellationToken cancellationToken);

    Task<PinResponse> PinAsync(PinRequest request, CancellationToken cancellationToken);
}
