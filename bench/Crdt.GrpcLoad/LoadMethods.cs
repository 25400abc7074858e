using Crdt.Grpc;
using Grpc.Testing;

namespace Crdt.GrpcLoad;

/// <summary>The two TestService methods the load uses; every interop server implements them.</summary>
internal static class LoadMethods
{
    public static readonly Method<SimpleRequest, SimpleResponse> UnaryCall =
        new(MethodType.Unary, "grpc.testing.TestService", "UnaryCall", SimpleRequest.Parser, SimpleResponse.Parser);

    public static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> StreamingOutputCall =
        new(MethodType.ServerStreaming, "grpc.testing.TestService", "StreamingOutputCall", StreamingOutputCallRequest.Parser, StreamingOutputCallResponse.Parser);
}
