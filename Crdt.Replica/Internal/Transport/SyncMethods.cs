using Crdt.Core.Wire;
using Crdt.Grpc;

namespace Crdt.Replica.Internal.Transport;

/// <summary>Client-side descriptors of <c>crdtfieldstore.v1.Sync</c> (proto/crdtfieldstore/v1/sync.proto).</summary>
internal static class SyncMethods
{
    private const string Service = "crdtfieldstore.v1.Sync";

    public static readonly Method<PushRequest, PushResponse> Push =
        new(MethodType.Unary, Service, "Push", PushRequest.Parser, PushResponse.Parser);

    public static readonly Method<PullRequest, PullResponse> Pull =
        new(MethodType.ServerStreaming, Service, "Pull", PullRequest.Parser, PullResponse.Parser);

    public static readonly Method<SubscribeRequest, PullResponse> Subscribe =
        new(MethodType.ServerStreaming, Service, "Subscribe", SubscribeRequest.Parser, PullResponse.Parser);

    public static readonly Method<PinRequest, PinResponse> Pin =
        new(MethodType.Unary, Service, "Pin", PinRequest.Parser, PinResponse.Parser);
}
