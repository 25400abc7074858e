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

    /// <summary>
    /// Pulls after <paramref name="cursor"/>; <paramref name="replica"/> and <paramref name="madeThrough"/> (the
    /// replica's highest sequence made so far) let the relay count the pull as an acknowledgement (README "Bounded history").
    /// </summary>
    IAsyncEnumerable<PullResponse> PullAsync(ulong cursor, uint maxItems, string replica, ulong madeThrough, CancellationToken cancellationToken);

    /// <summary>Catches up after <paramref name="cursor"/>, then stays live; acknowledges like <see cref="PullAsync"/>.</summary>
    IAsyncEnumerable<PullResponse> SubscribeAsync(ulong cursor, string replica, ulong madeThrough, CancellationToken cancellationToken);

    Task<PinResponse> PinAsync(PinRequest request, CancellationToken cancellationToken);

    /// <summary>Who the token belongs to (Sync.WhoAmI).</summary>
    Task<WhoAmIResponse> WhoAmIAsync(CancellationToken cancellationToken);

    /// <summary>Registers the install's signing key for the token's registration (Sync.RegisterSigningKey).</summary>
    Task<RegisterSigningKeyResponse> RegisterSigningKeyAsync(RegisterSigningKeyRequest request, CancellationToken cancellationToken);
}
