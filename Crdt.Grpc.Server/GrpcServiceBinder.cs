using Crdt.Grpc.Server.Internal;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Crdt.Grpc.Server;

/// <summary>Maps typed handlers onto Kestrel endpoints, one POST endpoint per method path.</summary>
public sealed class GrpcServiceBinder
{
    private readonly IEndpointRouteBuilder _endpoints;
    private readonly GrpcServerRuntime _runtime;
    private readonly List<IEndpointConventionBuilder> _builders = new();

    internal GrpcServiceBinder(IEndpointRouteBuilder endpoints, GrpcServerRuntime runtime)
    {
        _endpoints = endpoints;
        _runtime = runtime;
    }

    internal IReadOnlyList<IEndpointConventionBuilder> Builders => _builders;

    public GrpcServiceBinder AddUnary<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Add(method, MethodType.Unary, handler);

    public GrpcServiceBinder AddServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Add(method, MethodType.ServerStreaming, handler);

    public GrpcServiceBinder AddClientStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Add(method, MethodType.ClientStreaming, handler);

    public GrpcServiceBinder AddDuplexStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Add(method, MethodType.DuplexStreaming, handler);

    private GrpcServiceBinder Add<TRequest, TResponse>(Method<TRequest, TResponse> method, MethodType kind, Delegate handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        if (method.Type != kind)
        {
            throw new ArgumentException($"Method {method.FullName} is {method.Type}; it needs a {method.Type} handler, not a {kind} one.", nameof(method));
        }

        var methodHandler = new ServerMethodHandler<TRequest, TResponse>(method, handler, _runtime);
        var builder = _endpoints.MapPost(method.FullName, methodHandler.HandleAsync).WithDisplayName("gRPC " + method.FullName);
        _builders.Add(builder);
        _runtime.AddMappedService(method.ServiceName);
        GrpcEndpointRouteBuilderExtensions.EnsureUnimplementedFallback(_endpoints, _runtime);
        return this;
    }
}
