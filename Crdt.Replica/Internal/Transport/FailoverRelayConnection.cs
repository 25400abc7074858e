using System.Runtime.CompilerServices;
using Crdt.Core.Wire;

namespace Crdt.Replica.Internal.Transport;

/// <summary>
/// <see cref="IRelayConnection"/> over several nodes of one relay (one shared database): each call
/// goes to the address the <see cref="RelayRoute"/> holds, and when that node is unreachable
/// (UNAVAILABLE, a refused or broken connection, see <see cref="GrpcRelayConnection"/>) the route
/// moves on and the call is made again on the next node, until every address was tried once.
/// Repeating a call on another node is safe: a push is deduplicated by dot in the shared log, and
/// pins, WhoAmI and key registration are idempotent. A stream is moved only before its first item:
/// items already handed out cannot be taken back, so a stream that breaks later moves the route
/// and fails as before, and the sync driver's next step starts on the next node from its cursor.
/// A refusal (the relay answered no) is never a reason to try another node: they share one database.
/// </summary>
internal sealed class FailoverRelayConnection(RelayRoute route, Func<string, IRelayConnection> connect) : IRelayConnection
{
    private readonly IRelayConnection?[] _connections = new IRelayConnection?[route.Addresses.Count];

    public Task<PushResponse> PushAsync(PushRequest request, CancellationToken cancellationToken) =>
        CallAsync(connection => connection.PushAsync(request, cancellationToken));

    public Task<PinResponse> PinAsync(PinRequest request, CancellationToken cancellationToken) =>
        CallAsync(connection => connection.PinAsync(request, cancellationToken));

    public Task<WhoAmIResponse> WhoAmIAsync(CancellationToken cancellationToken) =>
        CallAsync(connection => connection.WhoAmIAsync(cancellationToken));

    public Task<RegisterSigningKeyResponse> RegisterSigningKeyAsync(RegisterSigningKeyRequest request, CancellationToken cancellationToken) =>
        CallAsync(connection => connection.RegisterSigningKeyAsync(request, cancellationToken));

    public IAsyncEnumerable<PullResponse> PullAsync(ulong cursor, uint maxItems, string replica, ulong madeThrough, CancellationToken cancellationToken) =>
        StreamAsync(connection => connection.PullAsync(cursor, maxItems, replica, madeThrough, cancellationToken), cancellationToken);

    public IAsyncEnumerable<PullResponse> SubscribeAsync(ulong cursor, string replica, ulong madeThrough, CancellationToken cancellationToken) =>
        StreamAsync(connection => connection.SubscribeAsync(cursor, replica, madeThrough, cancellationToken), cancellationToken);

    private IRelayConnection At(int index) => _connections[index] ??= connect(route.Addresses[index]);

    private async Task<T> CallAsync<T>(Func<IRelayConnection, Task<T>> call)
    {
        var failures = new List<RelayUnreachableException>();
        while (failures.Count < route.Addresses.Count)
        {
            var index = route.Current;
            try
            {
                return await call(At(index)).ConfigureAwait(false);
            }
            catch (RelayUnreachableException ex)
            {
                failures.Add(ex);
                route.MoveOnFrom(index);
            }
        }
        throw NoneReachable(failures);
    }

    private async IAsyncEnumerable<PullResponse> StreamAsync(Func<IRelayConnection, IAsyncEnumerable<PullResponse>> open,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var failures = new List<RelayUnreachableException>();
        while (failures.Count < route.Addresses.Count)
        {
            var index = route.Current;
            var items = open(At(index)).GetAsyncEnumerator(cancellationToken);
            try
            {
                bool any;
                try
                {
                    any = await items.MoveNextAsync().ConfigureAwait(false);
                }
                catch (RelayUnreachableException ex)
                {
                    failures.Add(ex);
                    route.MoveOnFrom(index);
                    continue;
                }
                if (!any)
                {
                    yield break;
                }
                yield return items.Current;
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await items.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (RelayUnreachableException)
                    {
                        route.MoveOnFrom(index);
                        throw;
                    }
                    if (!more)
                    {
                        yield break;
                    }
                    yield return items.Current;
                }
            }
            finally
            {
                await items.DisposeAsync().ConfigureAwait(false);
            }
        }
        throw NoneReachable(failures);
    }

    private static RelayUnreachableException NoneReachable(List<RelayUnreachableException> failures) =>
        failures.Count == 1
            ? failures[0]
            : new RelayUnreachableException("no relay node could be reached: " + string.Join("; ", failures.Select(f => f.Message)), failures[^1]);

    public void Dispose()
    {
        foreach (var connection in _connections)
        {
            connection?.Dispose();
        }
    }
}
