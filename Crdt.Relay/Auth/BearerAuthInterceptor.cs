using Crdt.Grpc;
using Crdt.Grpc.Server;
using Crdt.Relay.Diagnostics;

namespace Crdt.Relay.Auth;

/// <summary>
/// Authenticates every call to the relay's own services from <c>authorization: Bearer TOKEN</c>
/// before the handler runs or the body is read: missing, unknown or revoked tokens end the call
/// UNAUTHENTICATED. Health and reflection stay open so load balancers and grpcurl work.
/// </summary>
internal sealed class BearerAuthInterceptor(DeviceDirectory devices, RelayMetrics metrics) : IServerCallInterceptor
{
    private const string Scheme = "Bearer ";

    public async ValueTask OnCallStartingAsync(ServerCallContext context)
    {
        if (context.Method.StartsWith("/grpc.", StringComparison.Ordinal)) return;

        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || header.Length == Scheme.Length)
        {
            Refuse(context, "missing 'authorization: Bearer <token>' metadata");
        }
        CallerIdentity? caller;
        try
        {
            caller = await devices.AuthenticateAsync(header![Scheme.Length..].Trim(), context.CancellationToken).ConfigureAwait(false);
        }
        catch (Storage.StoreUnavailableException e)
        {
            // A token not in the cache cannot be checked while the database is away: retry later.
            metrics.Refused(nameof(StatusCode.Unavailable), context.Method);
            throw new RpcException(StatusCode.Unavailable, e.Message);
        }
        if (caller is null)
        {
            Refuse(context, "the bearer token is unknown or its device was revoked");
        }
        context.Items[typeof(CallerIdentity)] = caller;
    }

    private void Refuse(ServerCallContext context, string message)
    {
        metrics.Refused(nameof(StatusCode.Unauthenticated), context.Method);
        throw new RpcException(StatusCode.Unauthenticated, message);
    }
}

/// <summary>Reads the caller the interceptor put on the context.</summary>
internal static class CallerContext
{
    public static CallerIdentity Caller(this ServerCallContext context) =>
        context.Items.TryGetValue(typeof(CallerIdentity), out var caller) && caller is CallerIdentity identity
            ? identity
            : throw new RpcException(StatusCode.Unauthenticated, "the call was not authenticated");
}
