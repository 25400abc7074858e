using Crdt.Relay.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Crdt.Relay.Auth;

/// <summary>
/// Authenticates every call to the relay's own services from <c>authorization: Bearer TOKEN</c>
/// before the handler runs: missing, unknown or revoked tokens end the call UNAUTHENTICATED.
/// Health and reflection are not intercepted (they are mapped without it), so load balancers and
/// grpcurl work without a token.
/// </summary>
internal sealed class BearerAuthInterceptor(DeviceDirectory devices, RelayMetrics metrics) : Interceptor
{
    private const string Scheme = "Bearer ";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context).ConfigureAwait(false);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    private async Task AuthenticateAsync(ServerCallContext context)
    {
        if (context.Method.StartsWith("/grpc.", StringComparison.Ordinal))
        {
            return;
        }

        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || header.Length == Scheme.Length)
        {
            throw Refuse(context, "missing 'authorization: Bearer <token>' metadata");
        }
        CallerIdentity? caller;
        try
        {
            caller = await devices.AuthenticateAsync(header[Scheme.Length..].Trim(), context.CancellationToken).ConfigureAwait(false);
        }
        catch (Storage.StoreUnavailableException e)
        {
            // A token not in the cache cannot be checked while the database is away: retry later.
            metrics.Refused(nameof(StatusCode.Unavailable), context.Method);
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
        context.UserState[typeof(CallerIdentity)] = caller ?? throw Refuse(context, "the bearer token is unknown or its device was revoked");
    }

    private RpcException Refuse(ServerCallContext context, string message)
    {
        metrics.Refused(nameof(StatusCode.Unauthenticated), context.Method);
        return new RpcException(new Status(StatusCode.Unauthenticated, message));
    }
}

/// <summary>Reads the caller the interceptor put on the context.</summary>
internal static class CallerContext
{
    public static CallerIdentity Caller(this ServerCallContext context) =>
        context.UserState.TryGetValue(typeof(CallerIdentity), out var caller) && caller is CallerIdentity identity
            ? identity
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "the call was not authenticated"));
}
