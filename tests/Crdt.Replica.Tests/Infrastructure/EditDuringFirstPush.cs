using Crdt.Core.Wire;
using Crdt.Replica.Internal.Transport;

namespace Crdt.Replica.Tests.Infrastructure;

/// <summary>
/// A real relay connection that runs <paramref name="duringFirstPush"/> (saving an edit) just before
/// its first push goes out: the edit wakes the live loop while that push is in flight, which is
/// the timing that once ended live sync under load.
/// </summary>
internal sealed class EditDuringFirstPush(IRelayConnection inner, Func<Task> duringFirstPush) : IRelayConnection
{
    private int pushes;

    public async Task<PushResponse> PushAsync(PushRequest request, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref pushes) == 1)
        {
            await duringFirstPush();
        }
        return await inner.PushAsync(request, cancellationToken);
    }

    public IAsyncEnumerable<PullResponse> PullAsync(ulong cursor, uint maxItems, string replica, ulong madeThrough, CancellationToken cancellationToken) =>
        inner.PullAsync(cursor, maxItems, replica, madeThrough, cancellationToken);

    public IAsyncEnumerable<PullResponse> SubscribeAsync(ulong cursor, string replica, ulong madeThrough, CancellationToken cancellationToken) =>
        inner.SubscribeAsync(cursor, replica, madeThrough, cancellationToken);

    public Task<PinResponse> PinAsync(PinRequest request, CancellationToken cancellationToken) => inner.PinAsync(request, cancellationToken);

    public Task<WhoAmIResponse> WhoAmIAsync(CancellationToken cancellationToken) => inner.WhoAmIAsync(cancellationToken);

    public Task<RegisterSigningKeyResponse> RegisterSigningKeyAsync(RegisterSigningKeyRequest request, CancellationToken cancellationToken) =>
        inner.RegisterSigningKeyAsync(request, cancellationToken);

    public void Dispose() => inner.Dispose();
}
