using Crdt.Grpc.Server.Internal;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Crdt.Grpc.Server;

/// <summary>
/// Maps gRPC services and methods onto endpoint routing: <c>app.MapGrpcService&lt;SyncService&gt;();</c>.
/// Any POST to <c>/{service}/{method}</c> that no mapping claims is answered UNIMPLEMENTED.
/// </summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>Maps every method a service binds; the service comes from DI, or is created with DI-resolved constructor arguments.</summary>
    public static IEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder endpoints)
        where TService : class, IGrpcService
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var service = ActivatorUtilities.GetServiceOrCreateInstance<TService>(endpoints.ServiceProvider);
        return endpoints.MapGrpcService(service);
    }

    /// <summary>Maps every method a service instance binds.</summary>
    public static IEndpointConventionBuilder MapGrpcService(this IEndpointRouteBuilder endpoints, IGrpcService service)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(service);
        var binder = new GrpcServiceBinder(endpoints, Runtime(endpoints));
        service.Bind(binder);
        return new CompositeConventionBuilder(binder.Builders);
    }

    /// <summary>Maps one unary method to a handler (no service class needed).</summary>
    public static IEndpointConventionBuilder MapGrpcUnary<TRequest, TResponse>(this IEndpointRouteBuilder endpoints, Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Single(endpoints, b => b.AddUnary(method, handler));

    public static IEndpointConventionBuilder MapGrpcServerStreaming<TRequest, TResponse>(this IEndpointRouteBuilder endpoints, Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Single(endpoints, b => b.AddServerStreaming(method, handler));

    public static IEndpointConventionBuilder MapGrpcClientStreaming<TRequest, TResponse>(this IEndpointRouteBuilder endpoints, Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Single(endpoints, b => b.AddClientStreaming(method, handler));

    public static IEndpointConventionBuilder MapGrpcDuplexStreaming<TRequest, TResponse>(this IEndpointRouteBuilder endpoints, Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Single(endpoints, b => b.AddDuplexStreaming(method, handler));

    /// <summary>Maps <c>grpc.health.v1.Health</c> (Check, Watch); set statuses on the <see cref="GrpcHealthService"/> singleton.</summary>
    public static IEndpointConventionBuilder MapGrpcHealthService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGrpcService(endpoints.ServiceProvider.GetRequiredService<GrpcHealthService>());
    }

    /// <summary>
    /// Maps server reflection (<c>grpc.reflection.v1</c> and <c>v1alpha</c>) describing the given proto
    /// files (e.g. <c>SyncReflection.Descriptor</c>) and their dependencies; grpcurl and Postman use it.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcReflectionService(this IEndpointRouteBuilder endpoints, params Google.Protobuf.Reflection.FileDescriptor[] files)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var reflection = endpoints.ServiceProvider.GetRequiredService<GrpcReflectionService>();
        reflection.AddFiles(files);
        return endpoints.MapGrpcService(reflection);
    }

    internal static void EnsureUnimplementedFallback(IEndpointRouteBuilder endpoints, GrpcServerRuntime runtime)
    {
        if (runtime.UnimplementedMapped)
        {
            return;
        }

        runtime.UnimplementedMapped = true;
        // Route parameters rank below the literal method paths, so this only catches the unmapped ones.
        endpoints.MapPost("{service}/{method}", context => UnimplementedHandler.HandleAsync(context, runtime))
            .WithDisplayName("gRPC unimplemented method");
    }

    private static GrpcServerRuntime Runtime(IEndpointRouteBuilder endpoints) =>
        endpoints.ServiceProvider.GetService<GrpcServerRuntime>()
        ?? throw new InvalidOperationException("Call services.AddCrdtGrpc() before mapping gRPC services.");

    private static IEndpointConventionBuilder Single(IEndpointRouteBuilder endpoints, Action<GrpcServiceBinder> bind)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var binder = new GrpcServiceBinder(endpoints, Runtime(endpoints));
        bind(binder);
        return binder.Builders[0];
    }
}
