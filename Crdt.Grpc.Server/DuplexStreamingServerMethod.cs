namespace Crdt.Grpc.Server;

/// <summary>Handles a bidirectional call: reads requests and writes responses independently.</summary>
public delegate Task DuplexStreamingServerMethod<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IAsyncStreamWriter<TResponse> responseStream, ServerCallContext context);
