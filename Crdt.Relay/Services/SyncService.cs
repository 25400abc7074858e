using System.Diagnostics;
using Crdt.Core.Wire;
using Crdt.Grpc;
using Crdt.Grpc.Server;
using Crdt.Relay.Sync;

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
            await new OpStreamer(engine, caller, responses).RunAsync(request.Cursor, request.MaxItems, live: false, cancellationToken).ConfigureAwait(false);
            engine.Metrics.PullCompleted(Stopwatch.GetElapsedTime(started));
        });

    private Task SubscribeAsync(SubscribeRequest request, IAsyncStreamWriter<PullResponse> responses, ServerCallContext context) =>
        CallGuard.StreamAsync(engine, context, (caller, cancellationToken) =>
            new OpStreamer(engine, caller, responses).RunAsync(request.Cursor, 0, live: true, cancellationToken));

    private Task<PinResponse> PinAsync(PinRequest request, ServerCallContext context) =>
        CallGuard.RunAsync(engine, context, caller => engine.PinAsync(caller, request, context.CancellationToken));
}
