using Crdt.Core.Wire;
using Grpc.Core;
using Grpc.Net.Client;

namespace Crdt.Load;

/// <summary>The relay calls the harness makes, through the generated clients of Crdt.Contract.</summary>
internal static class RelayCalls
{
    public static CallOptions Bearer(string token, CancellationToken cancellationToken = default) =>
        new(new Metadata { { "authorization", "Bearer " + token } }, cancellationToken: cancellationToken);

    public static Task<PushResponse> PushAsync(this GrpcChannel channel, PushRequest request, CallOptions options) =>
        new Sync.SyncClient(channel).PushAsync(request, options).ResponseAsync;

    public static AsyncServerStreamingCall<PullResponse> Pull(this GrpcChannel channel, PullRequest request, CallOptions options) =>
        new Sync.SyncClient(channel).Pull(request, options);

    public static AsyncServerStreamingCall<PullResponse> Subscribe(this GrpcChannel channel, SubscribeRequest request, CallOptions options) =>
        new Sync.SyncClient(channel).Subscribe(request, options);

    public static Task<RegisterDeviceResponse> RegisterDeviceAsync(this GrpcChannel channel, RegisterDeviceRequest request, CallOptions options) =>
        new Admin.AdminClient(channel).RegisterDeviceAsync(request, options).ResponseAsync;
}
