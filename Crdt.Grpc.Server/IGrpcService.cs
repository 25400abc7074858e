namespace Crdt.Grpc.Server;

/// <summary>
/// A gRPC service: declares its methods and their handlers to the binder.
/// <code>
/// public void Bind(GrpcServiceBinder binder) => binder.AddUnary(SyncMethods.Push, PushAsync);
/// </code>
/// Map it with <c>app.MapGrpcService&lt;MyService&gt;()</c>.
/// </summary>
public interface IGrpcService
{
    void Bind(GrpcServiceBinder binder);
}
