using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Crdt.Core.Wire;
using Crdt.Grpc;

namespace Crdt.Replica.Internal.Transport;

/// <summary>
/// <see cref="IRelayConnection"/> over our gRPC client (Crdt.Grpc): bearer token in the
/// <c>authorization</c> metadata, a deadline on every unary call, and gRPC statuses sorted
/// into "try again later" and "refused".
/// </summary>
internal sealed class GrpcRelayConnection : IRelayConnection
{
    private readonly GrpcChannel channel;
    private readonly Metadata headers;
    private readonly TimeSpan callTimeout;
    private readonly string relayUrl;

    public GrpcRelayConnection(string relayUrl, string token, string replicaKey, TimeSpan callTimeout, TimeSpan connectTimeout)
    {
        this.relayUrl = relayUrl;
        this.callTimeout = callTimeout;
        channel = GrpcChannel.ForAddress(relayUrl, new GrpcChannelOptions
        {
            ConnectTimeout = connectTimeout,
            // Pull streams carry one item per message; a snapshot of a large order can be big.
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        });
        // The replica key lets the relay accept this install's replica id from every person's
        // token on a shared device (see the relay's replica ownership rule).
        headers = new Metadata().Add("authorization", "Bearer " + token).Add("x-crdt-replica-key", replicaKey);
    }

    public async Task<PushResponse> PushAsync(PushRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await channel.UnaryAsync(SyncMethods.Push, request, Options(cancellationToken, callTimeout)).ConfigureAwait(false);
        }
        catch (Exception ex) when (Classify(ex, cancellationToken, "push") is { } mapped)
        {
            throw mapped;
        }
    }

    public async Task<PinResponse> PinAsync(PinRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await channel.UnaryAsync(SyncMethods.Pin, request, Options(cancellationToken, callTimeout)).ConfigureAwait(false);
        }
        catch (Exception ex) when (Classify(ex, cancellationToken, "pin") is { } mapped)
        {
            throw mapped;
        }
    }

    public IAsyncEnumerable<PullResponse> PullAsync(ulong cursor, uint maxItems, string replica, ulong madeThrough, CancellationToken cancellationToken) =>
        Stream(SyncMethods.Pull, new PullRequest { Cursor = cursor, MaxItems = maxItems, Replica = replica, MadeThrough = madeThrough }, "pull", callTimeout, cancellationToken);

    public IAsyncEnumerable<PullResponse> SubscribeAsync(ulong cursor, CancellationToken cancellationToken) =>
        // A live stream has no deadline: it stays open until the relay or the app ends it.
        Stream(SyncMethods.Subscribe, new SubscribeRequest { Cursor = cursor }, "subscribe", null, cancellationToken);

    private async IAsyncEnumerable<PullResponse> Stream<TRequest>(
        Method<TRequest, PullResponse> method, TRequest request, string action, TimeSpan? timeout,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
    {
        using var call = channel.ServerStreaming(method, request, Options(cancellationToken, timeout));
        while (true)
        {
            bool more;
            try
            {
                more = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Classify(ex, cancellationToken, action) is { } mapped)
            {
                throw mapped;
            }
            if (!more)
            {
                yield break;
            }
            yield return call.ResponseStream.Current;
        }
    }

    private CallOptions Options(CancellationToken cancellationToken, TimeSpan? timeout) =>
        new() { Headers = headers, Timeout = timeout, CancellationToken = cancellationToken };

    /// <summary>Sorts a failure; null lets it through unchanged (our own cancellation).</summary>
    private Exception? Classify(Exception ex, CancellationToken cancellationToken, string action)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        var where = $"{action} to {relayUrl}";
        return ex switch
        {
            RpcException { StatusCode: StatusCode.Unauthenticated } rpc =>
                new RelayRefusedException($"{where}: the relay does not accept this device's token ({rpc.Status.Detail})", true, ex),
            RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled
                or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted or StatusCode.ResourceExhausted } rpc when
                rpc.StatusCode != StatusCode.ResourceExhausted || rpc.Status.Detail.Contains("busy", StringComparison.OrdinalIgnoreCase) =>
                new RelayUnreachableException($"{where}: {rpc.StatusCode}: {rpc.Status.Detail}", ex),
            RpcException rpc =>
                new RelayRefusedException($"{where} refused: {rpc.StatusCode}: {rpc.Status.Detail}", false, ex),
            HttpRequestException or IOException or SocketException or TimeoutException or OperationCanceledException =>
                new RelayUnreachableException($"{where}: {ex.Message}", ex),
            _ => null,
        };
    }

    public void Dispose() => channel.Dispose();
}
