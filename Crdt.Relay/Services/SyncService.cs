using System.Diagnostics;
using Crdt.Core.Wire;
using Grpc.Core;
using Crdt.Relay.Diagnostics;
using Crdt.Relay.Storage;
using Crdt.Relay.Sync;

namespace Crdt.Relay.Services;

/// <summary>sync.proto: Push, Pull, Subscribe and Pin for CRDT replicas. Bound by <see cref="SyncBinding"/>,
/// so that Push keeps the bytes of the ops it receives and Pull and Subscribe write op items encoded once
/// (so its streams' items may be <see cref="PullResponse.PreEncodedOp"/> ones: only SyncBinding's marshaller writes them).</summary>
[BindServiceMethod(typeof(SyncBinding), nameof(SyncBinding.BindService))]
internal sealed class SyncService(RelayEngine engine, IRelayStore store, RelayMetrics metrics, CallGuard guard, PushAdmission admission) : Crdt.Core.Wire.Sync.SyncBase
{
    public override Task<PushResponse> Push(PushRequest request, ServerCallContext context) =>
        guard.RunAsync(context, async caller =>
        {
            var started = Stopwatch.GetTimestamp();
            var response = await admission.RunAsync(
                (caller.Tenant, caller.Name),
                () => engine.PushAsync(caller, request, context.RequestHeaders.GetValue(RelayEngine.ReplicaKeyHeader), context.CancellationToken),
                context.CancellationToken).ConfigureAwait(false);
            metrics.PushCompleted(Stopwatch.GetElapsedTime(started));
            return response;
        });

    public override Task Pull(PullRequest request, IServerStreamWriter<PullResponse> responses, ServerCallContext context) =>
        guard.StreamAsync(context, async (caller, cancellationToken) =>
        {
            var started = Stopwatch.GetTimestamp();
            await engine.AcknowledgeAsync(caller, request.Cursor, request.Replica, request.MadeThrough, context.RequestHeaders.GetValue(RelayEngine.ReplicaKeyHeader), cancellationToken).ConfigureAwait(false);
            var stable = await engine.StableVectorAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
            await new OpStreamer(engine, store, caller, responses, preEncodedItems: true).RunAsync(request.Cursor, request.MaxItems, live: false, cancellationToken, stable).ConfigureAwait(false);
            metrics.PullCompleted(Stopwatch.GetElapsedTime(started));
        });

    public override Task Subscribe(SubscribeRequest request, IServerStreamWriter<PullResponse> responses, ServerCallContext context) =>
        guard.StreamAsync(context, async (caller, cancellationToken) =>
        {
            await engine.AcknowledgeAsync(caller, request.Cursor, request.Replica, request.MadeThrough, context.RequestHeaders.GetValue(RelayEngine.ReplicaKeyHeader), cancellationToken).ConfigureAwait(false);
            var stable = await engine.StableVectorAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
            await new OpStreamer(engine, store, caller, responses, preEncodedItems: true, metrics).RunAsync(request.Cursor, 0, live: true, cancellationToken, stable).ConfigureAwait(false);
        });

    public override Task<WhoAmIResponse> WhoAmI(WhoAmIRequest request, ServerCallContext context) =>
        guard.RunAsync(context, caller => Task.FromResult(new WhoAmIResponse
        {
            Name = caller.Name,
            Role = caller.Role.ToString().ToLowerInvariant(),
            Tenant = caller.Tenant,
        }));

    public override Task<RegisterSigningKeyResponse> RegisterSigningKey(RegisterSigningKeyRequest request, ServerCallContext context) =>
        guard.RunAsync(context, caller => engine.RegisterSigningKeyAsync(caller, request, context.CancellationToken));

    public override Task<PinResponse> Pin(PinRequest request, ServerCallContext context) =>
        guard.RunAsync(context, caller => engine.PinAsync(caller, request, context.CancellationToken));
}
