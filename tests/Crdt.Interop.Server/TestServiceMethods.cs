using Crdt.Grpc;
using Grpc.Testing;

namespace Crdt.Interop.Server;

/// <summary>Descriptors of grpc.testing.TestService (src/proto/grpc/testing/test.proto), shared by server and clients.</summary>
public static class TestServiceMethods
{
    public const string ServiceName = "grpc.testing.TestService";

    public static readonly Method<Empty, Empty> EmptyCall =
        new(MethodType.Unary, ServiceName, "EmptyCall", Empty.Parser, Empty.Parser);

    public static readonly Method<SimpleRequest, SimpleResponse> UnaryCall =
        new(MethodType.Unary, ServiceName, "UnaryCall", SimpleRequest.Parser, SimpleResponse.Parser);

    public static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> StreamingOutputCall =
        new(MethodType.ServerStreaming, ServiceName, "StreamingOutputCall", StreamingOutputCallRequest.Parser, StreamingOutputCallResponse.Parser);

    public static readonly Method<StreamingInputCallRequest, StreamingInputCallResponse> StreamingInputCall =
        new(MethodType.ClientStreaming, ServiceName, "StreamingInputCall", StreamingInputCallRequest.Parser, StreamingInputCallResponse.Parser);

    public static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> FullDuplexCall =
        new(MethodType.DuplexStreaming, ServiceName, "FullDuplexCall", StreamingOutputCallRequest.Parser, StreamingOutputCallResponse.Parser);

    public static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> HalfDuplexCall =
        new(MethodType.DuplexStreaming, ServiceName, "HalfDuplexCall", StreamingOutputCallRequest.Parser, StreamingOutputCallResponse.Parser);

    /// <summary>Declared in test.proto but deliberately not implemented by any server.</summary>
    public static readonly Method<Empty, Empty> UnimplementedCall =
        new(MethodType.Unary, ServiceName, "UnimplementedCall", Empty.Parser, Empty.Parser);

    /// <summary>grpc.testing.UnimplementedService/UnimplementedCall: a service no server implements.</summary>
    public static readonly Method<Empty, Empty> UnimplementedServiceCall =
        new(MethodType.Unary, "grpc.testing.UnimplementedService", "UnimplementedCall", Empty.Parser, Empty.Parser);
}
