using Crdt.Core.Wire;
using Grpc.Core;

namespace Crdt.Relay.Services;

/// <summary>
/// Binds <see cref="SyncService"/> as the generated <see cref="Core.Wire.Sync.BindService(ServiceBinderBase, Core.Wire.Sync.SyncBase)"/>
/// does, with one change: Push reads its request with <see cref="PushRequest.KeepingOpBytes"/>, which keeps
/// each op's bytes as the device sent them, so the relay stores those instead of encoding every op again
/// (issue 11). The method's name, path and response marshaller stay the generated ones, so every client
/// (grpc-js with only the .proto included) sees the same service. Grpc.AspNetCore finds this binder
/// through the <see cref="BindServiceMethodAttribute"/> on <see cref="SyncService"/>, and gRPC reflection
/// finds the service's descriptor through <see cref="Descriptor"/>.
/// </summary>
internal static class SyncBinding
{
    /// <summary>The service's descriptor, for gRPC reflection.</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => Core.Wire.Sync.Descriptor;

    /// <summary>Called by Grpc.AspNetCore (with a null <paramref name="service"/>: it finds the handlers by name).</summary>
    public static void BindService(ServiceBinderBase binder, Core.Wire.Sync.SyncBase? service) =>
        Core.Wire.Sync.BindService(new PushBytesBinder(binder), service);

    /// <summary>Passes every method on, Push with the request marshaller that keeps op bytes.</summary>
    private sealed class PushBytesBinder(ServiceBinderBase inner) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            if (method is Method<PushRequest, PushResponse> push)
            {
                var keeping = new Method<PushRequest, PushResponse>(push.Type, push.ServiceName, push.Name, PushRequest.KeepingOpBytes, push.ResponseMarshaller);
                inner.AddMethod((Method<TRequest, TResponse>)(object)keeping, handler);
                return;
            }
            inner.AddMethod(method, handler);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(method, handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(method, handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(method, handler);
    }
}
