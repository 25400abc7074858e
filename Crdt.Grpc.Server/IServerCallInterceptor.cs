namespace Crdt.Grpc.Server;

/// <summary>
/// A hook that runs before each handler, once the request headers are in: authentication (read
/// <see cref="ServerCallContext.RequestHeaders"/>, set <see cref="ServerCallContext.User"/>), or
/// rejection by throwing <see cref="RpcException"/> (e.g. UNAUTHENTICATED), which ends the call
/// Trailers-Only before the handler runs or the request body is read.
/// </summary>
public interface IServerCallInterceptor
{
    ValueTask OnCallStartingAsync(ServerCallContext context);
}
