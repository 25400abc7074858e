using Grpc.Testing;

namespace Crdt.Grpc.Tests.Support;

/// <summary>Methods of a test-only service, using the interop messages, for handlers each test defines.</summary>
internal static class ProbeMethods
{
    public const string ServiceName = "crdt.test.Probe";

    public static readonly Method<SimpleRequest, SimpleResponse> Unary =
        new(MethodType.Unary, ServiceName, "Unary", SimpleRequest.Parser, SimpleResponse.Parser);

    public static readonly Method<SimpleRequest, SimpleResponse> ServerStream =
        new(MethodType.ServerStreaming, ServiceName, "ServerStream", SimpleRequest.Parser, SimpleResponse.Parser);

    public static readonly Method<SimpleRequest, SimpleResponse> ClientStream =
        new(MethodType.ClientStreaming, ServiceName, "ClientStream", SimpleRequest.Parser, SimpleResponse.Parser);

    public static readonly Method<SimpleRequest, SimpleResponse> Duplex =
        new(MethodType.DuplexStreaming, ServiceName, "Duplex", SimpleRequest.Parser, SimpleResponse.Parser);
}
