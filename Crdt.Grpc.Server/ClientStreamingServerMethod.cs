namespace Crdt.Grpc.Server;

/// <summary>Handles a client-streaming call: requests read from <paramref name="requestStream"/>, one response out.</summary>
public delegate Task<TResponse> ClientStreamingServerMethod<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context);
