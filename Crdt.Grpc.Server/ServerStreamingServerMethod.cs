namespace Crdt.Grpc.Server;

/// <summary>Handles a server-streaming call: one request in, responses written to <paramref name="responseStream"/>.</summary>
public delegate Task ServerStreamingServerMethod<TRequest, TResponse>(TRequest request, IAsyncStreamWriter<TResponse> responseStream, ServerCallContext context);
