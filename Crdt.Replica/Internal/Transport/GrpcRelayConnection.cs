using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Crdt.Core.Wire;
using Grpc.Core;
using Grpc.Net.Client;

namespace Crdt.Replica.Internal.Transport;

/// <summary>
/// <see cref="IRelayConnection"/> over Grpc.Net.Client and the generated <c>Sync.SyncClient</c>:
/// bearer token in the <c>authorization</c> metadata, a deadline on every unary call, and gRPC
/// statuses sorted into "try again later" and "refused". The channel is shared (see
/// <see cref="RelayChannels"/>) and outlives this connection.
/// </summary>
internal sealed class GrpcRelayConnection : IRelayConnection
{
    private readonly Crdt.Core.Wire.Sync.SyncClient _client;
    private readonly Metadata _headers;
    private readonly TimeSpan _callTimeout;
    private readonly string _relayUrl;

    public GrpcRelayConnection(GrpcChannel channel, string relayUrl, string token, string replicaKey, TimeSpan callTimeout)
    {
        _relayUrl = relayUrl;
        _callTimeout = callTimeout;
        _client = new Crdt.Core.Wire.Sync.SyncClient(new OpBytesKeepingInvoker(channel.CreateCallInvoker()));
        // The replica key lets the relay accept this install's replica id from every person's
        // token on a shared device (see the relay's replica ownership rule).
        _headers = new Metadata { { "authorization", "Bearer " + token }, { "x-crdt-replica-key", replicaKey } };
    }

    public async Task<PushResponse> PushAsync(PushRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.PushAsync(request, Options(cancellationToken, _callTimeout)).ResponseAsync.ConfigureAwait(false);
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
            return await _client.PinAsync(request, Options(cancellationToken, _callTimeout)).ResponseAsync.ConfigureAwait(false);
        }
        catch (Exception ex) when (Classify(ex, cancellationToken, "pin") is { } mapped)
        {
            throw mapped;
        }
    }

    public async Task<WhoAmIResponse> WhoAmIAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _client.WhoAmIAsync(new WhoAmIRequest(), Options(cancellationToken, _callTimeout)).ResponseAsync.ConfigureAwait(false);
        }
        catch (Exception ex) when (Classify(ex, cancellationToken, "sign-in check") is { } mapped)
        {
            throw mapped;
        }
    }

    public async Task<RegisterSigningKeyResponse> RegisterSigningKeyAsync(RegisterSigningKeyRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.RegisterSigningKeyAsync(request, Options(cancellationToken, _callTimeout)).ResponseAsync.ConfigureAwait(false);
        }
        catch (Exception ex) when (Classify(ex, cancellationToken, "signing key registration") is { } mapped)
        {
            throw mapped;
        }
    }

    public IAsyncEnumerable<PullResponse> PullAsync(ulong cursor, uint maxItems, string replica, ulong madeThrough, CancellationToken cancellationToken) =>
        Stream(options => _client.Pull(new PullRequest { Cursor = cursor, MaxItems = maxItems, Replica = replica, MadeThrough = madeThrough }, options), "pull", _callTimeout, cancellationToken);

    public IAsyncEnumerable<PullResponse> SubscribeAsync(ulong cursor, string replica, ulong madeThrough, CancellationToken cancellationToken) =>
        // A live stream has no deadline: it stays open until the relay or the app ends it.
        Stream(options => _client.Subscribe(new SubscribeRequest { Cursor = cursor, Replica = replica, MadeThrough = madeThrough }, options), "subscribe", null, cancellationToken);

    private async IAsyncEnumerable<PullResponse> Stream(
        Func<CallOptions, AsyncServerStreamingCall<PullResponse>> start, string action, TimeSpan? timeout,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        AsyncServerStreamingCall<PullResponse> call;
        try
        {
            call = start(Options(cancellationToken, timeout));
        }
        catch (Exception ex) when (Classify(ex, cancellationToken, action) is { } mapped)
        {
            throw mapped;
        }
        using (call)
        {
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
    }

    private CallOptions Options(CancellationToken cancellationToken, TimeSpan? timeout) =>
        new(_headers, timeout is { } t ? DateTime.UtcNow + t : null, cancellationToken);

    /// <summary>
    /// Sorts a failure; null lets it through unchanged. Our own cancellation always leaves as an
    /// <see cref="OperationCanceledException"/>: Grpc.Net.Client reports it as an RpcException
    /// (Cancelled, or the relay's answer when that raced the cancellation), which the live loop,
    /// woken by an edit saved during a push, did not catch and so ended for good.
    /// </summary>
    private Exception? Classify(Exception ex, CancellationToken cancellationToken, string action)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ex as OperationCanceledException ?? new OperationCanceledException($"{action} to {_relayUrl} cancelled by this device", ex, cancellationToken);
        }
        var where = $"{action} to {_relayUrl}";
        return ex switch
        {
            RpcException { StatusCode: StatusCode.Unauthenticated } rpc =>
                new RelayRefusedException($"{where}: the relay does not accept this device's token ({rpc.Status.Detail})", true, ex),
            RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled
                or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted or StatusCode.ResourceExhausted } rpc when
                rpc.StatusCode != StatusCode.ResourceExhausted || rpc.Status.Detail.Contains("busy", StringComparison.OrdinalIgnoreCase) =>
                new RelayUnreachableException($"{where}: {rpc.StatusCode}: {rpc.Status.Detail}", ex),
            RpcException rpc =>
                new RelayRefusedException($"{where} refused: {rpc.StatusCode}: {rpc.Status.Detail}", false, ex) { Status = rpc.StatusCode.ToString(), Detail = rpc.Status.Detail },
            HttpRequestException or IOException or SocketException or TimeoutException or OperationCanceledException =>
                new RelayUnreachableException($"{where}: {ex.Message}", ex),
            _ => null,
        };
    }

    // The channel belongs to RelayChannels; calls end with their own using.
    public void Dispose()
    {
    }
}
