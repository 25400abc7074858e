using Grpc.Core;
using Crdt.Relay.Auth;
using Crdt.Relay.Diagnostics;
using Crdt.Relay.Sync;

namespace Crdt.Relay.Services;

/// <summary>Turns the engine's refusals into gRPC statuses (<see cref="RefusalStatus"/>), counting and
/// logging each one, and ends streams of revoked devices with UNAUTHENTICATED and calls the store
/// cannot serve now with UNAVAILABLE. One instance serves every service of a relay.</summary>
internal sealed class CallGuard(RelayEngine engine, DeviceDirectory devices, RelayMetrics metrics, RelayLog log)
{
    public async Task<T> RunAsync<T>(ServerCallContext context, Func<CallerIdentity, Task<T>> call)
    {
        var caller = context.Caller();
        try
        {
            return await call(caller).ConfigureAwait(false);
        }
        catch (RelayRefusal refusal)
        {
            throw Refuse(context, caller, RefusalStatus.CodeOf(refusal), refusal.Message);
        }
        catch (Exception fault) when (engine.StorageFault(fault) is { } refusal)
        {
            throw Refuse(context, caller, RefusalStatus.CodeOf(refusal), refusal.Message);
        }
    }

    /// <summary>Runs a server stream until the call ends, the device is revoked, or the relay stops.</summary>
    public async Task StreamAsync(ServerCallContext context, Func<CallerIdentity, CancellationToken, Task> stream)
    {
        var caller = context.Caller();
        using var lifetime = engine.StreamLifetime(caller, context.CancellationToken);
        using var connected = metrics.StreamOpened(context.Method);
        var revoked = devices.RevocationToken(caller);
        try
        {
            await stream(caller, lifetime.Token).ConfigureAwait(false);
        }
        catch (RelayRefusal refusal)
        {
            throw Refuse(context, caller, RefusalStatus.CodeOf(refusal), refusal.Message);
        }
        catch (Exception fault) when (engine.StorageFault(fault) is { } refusal)
        {
            throw Refuse(context, caller, RefusalStatus.CodeOf(refusal), refusal.Message);
        }
        // The stream's lifetime ends only by the call, a revocation or shutdown: ended while neither the
        // call nor shutdown is, it was a revocation even if the token source seen above was replaced
        // meanwhile (a refresh of the device list), which answered CANCELLED under load.
        catch (OperationCanceledException) when (revoked.IsCancellationRequested
            || (lifetime.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested && !engine.ShutdownToken.IsCancellationRequested))
        {
            log.StreamEnded(context.Method, caller.Tenant, caller.Name, "device revoked");
            throw Refuse(context, caller, StatusCode.Unauthenticated, $"{caller} was revoked");
        }
        catch (OperationCanceledException) when (engine.ShutdownToken.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            log.StreamEnded(context.Method, caller.Tenant, caller.Name, "relay shutting down");
            throw new RpcException(new Status(StatusCode.Unavailable, "the relay is shutting down; reconnect"));
        }
    }

    private RpcException Refuse(ServerCallContext context, CallerIdentity caller, StatusCode code, string message)
    {
        metrics.Refused(code.ToString(), context.Method);
        log.Refused(context.Method, caller.Tenant, caller.Name, code.ToString(), message);
        return new RpcException(new Status(code, message));
    }
}
