using Crdt.Core.Wire;
using Grpc.Core;

namespace Crdt.Relay.Services;

/// <summary>
/// Binds <see cref="SyncService"/> as the generated <see cref="Core.Wire.Sync.BindService(ServiceBinderBase, Core.Wire.Sync.SyncBase)"/>
/// does, with two changes (issue 11): Push reads its request with <see cref="PushRequest.KeepingOpBytes"/>, which keeps
/// each op's bytes as the device sent them, so the relay stores those instead of encoding every op again;
/// Pull and Subscribe write an op item made once per op (<see cref="PullResponse.PreEncodedOp"/>) as its bytes,
/// with nothing built per stream. The methods' names, paths and wire format stay the generated ones, so every client
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

    /// <summary>Pull or Subscribe as generated, with the response marshaller that writes <see cref="PullResponse.PreEncodedOp"/>
    /// items as they are: the op items the relay's streams send (<see cref="Crdt.Relay.Sync.OpStreamer"/> with <c>preEncodedItems</c>).</summary>
    private static Method<TRequest, TResponse> WritingPreEncoded<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        var items = PullResponse.WritingPreEncoded((Marshaller<PullResponse>)(object)method.ResponseMarshaller);
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, method.RequestMarshaller, (Marshaller<TResponse>)(object)items);
    }

    /// <summary>Passes every method on, Push with the request marshaller that keeps op bytes, Pull and
    /// Subscribe with the response marshaller that writes pre-encoded op items.</summary>
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

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            if (method is Method<PullRequest, PullResponse> or Method<SubscribeRequest, PullResponse>)
            {
                inner.AddMethod(WritingPreEncoded(method), handler);
                return;
            }
            inner.AddMethod(method, handler);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(method, handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(method, handler);
    }
}
