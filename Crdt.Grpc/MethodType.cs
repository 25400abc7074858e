namespace Crdt.Grpc;

/// <summary>The four gRPC call kinds: how many messages flow each way.</summary>
public enum MethodType
{
    /// <summary>One request, one response.</summary>
    Unary,

    /// <summary>One request, a stream of responses.</summary>
    ServerStreaming,

    /// <summary>A stream of requests, one response.</summary>
    ClientStreaming,

    /// <summary>Streams both ways, independent of each other.</summary>
    DuplexStreaming,
}
