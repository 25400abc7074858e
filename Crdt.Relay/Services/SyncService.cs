using System.Diagnostics;
using Crdt.Core.Wire;
using Crdt.Grpc;
using Crdt.Grpc.Server;
using Crdt.Relay.Sync;
using StoreKey = Crdt.Relay.Storage.StoreDocumentKey;

namespace Crdt.Relay.Services;

/// <summary>sync.proto: Push, Pull, Subscribe and Pin for CRDT replicas.</summary>
internal sealed class SyncService(RelayEngine engine) : IGrpcService
{
    public void Bind(GrpcServiceBinder binder) => binder
        .AddUnary(RelayMethods.Push, PushAsync)
        .AddServerStreaming(RelayMethods.Pull, PullAsync)
        .AddServerStreaming(RelayMethods.Subscribe, SubscribeAsync)
        .AddUnary(RelayMethods.Pin, PinAsync);

    private Task<PushResponse> PushAsync(PushRequest request, ServerCallContext context) =>
        CallGuard.RunAsync(engine, context, async caller =>
        {
            var started = Stopwatch.GetTimestamp();
            var response = await engine.PushAsync(caller, request, context.RequestHeaders.GetValue(RelayEngine.ReplicaKeyHeader), context.CancellationToken).ConfigureAwait(false);
            engine.Metrics.PushCompleted(Stopwatch.GetElapsedTime(started));
            return response;
        });

    private Task PullAsync(PullRequest request, IAsyncStreamWriter<PullResponse> responses, ServerCallContext context) =>
        CallGuard.StreamAsync(engine, context, async (caller, cancellationToken) =>
        {
            var started = Stopwatch.GetTimestamp();
            await engine.AcknowledgeAsync(caller, request.Cursor, request.Replica, request.MadeThrough, cancellationToken).ConfigureAwait(false);
            await new OpStreamer(engine, caller, responses).RunAsync(request.Cursor, request.MaxItems, live: false, cancellationToken).ConfigureAwait(false);
            engine.Metrics.PullCompleted(Stopwatch.GetElapsedTime(started));
        });

    private Task SubscribeAsync(SubscribeRequest request, IAsyncStreamWriter<PullResponse> responses, ServerCallContext context) =>
        CallGuard.StreamAsync(engine, context, async (caller, cancellationToken) =>
        {
            await engine.AcknowledgeAsync(caller, request.Cursor, request.Replica, request.MadeThrough, cancellationToken).ConfigureAwait(false);
            await new OpStreamer(engine, caller, responses).RunAsync(request.Cursor, 0, live: true, cancellationToken).ConfigureAwait(false);
        });

    private Task<PinResponse> PinAsync(PinRequest request, ServerCallContext context) =>
        CallGuard.RunAsync(engine, context, async caller =>
        {
            var key = WireViews.Key(request.Document);
            if (key.Collection == Core.WorkOrderFields.Collection)
                throw RelayRefusal.Invalid($"{key}: work orders are not pinned; they follow assignment");
            if (!engine.Schemas.TryGet(key.Collection, out _))
                throw RelayRefusal.Invalid($"{key}: unknown collection '{key.Collection}'");
            await engine.Store.SetPinAsync(caller.Tenant, caller.Name, new StoreKey(key.Collection, key.Id), request.Pinned, context.CancellationToken)
                .ConfigureAwait(false);
            var response = new PinResponse();
            foreach (var pin in await engine.Store.ListPinsAsync(caller.Tenant, caller.Name, context.CancellationToken).ConfigureAwait(false))
            {
                response.Pinned.Add(new DocumentKey { Collection = pin.Document.Collection, Id = pin.Document.Id });
            }
            if (request.Pinned)
            {
                var tenant = await engine.TenantAsync(caller.Tenant, context.CancellationToken).ConfigureAwait(false);
                lock (tenant.Gate)
                {
                    if (tenant.Documents.Exists(key)) response.Document = tenant.Snapshot(key);
                }
            }
            return response;
        });
}
