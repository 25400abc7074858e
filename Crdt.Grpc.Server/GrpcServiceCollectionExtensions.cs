using Crdt.Grpc.Server.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Crdt.Grpc.Server;

/// <summary>Registers the gRPC layer: <c>builder.Services.AddCrdtGrpc(o => o.MaxReceiveMessageSize = 8 &lt;&lt; 20);</c></summary>
public static class GrpcServiceCollectionExtensions
{
    public static IServiceCollection AddCrdtGrpc(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddRouting();
        services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<GrpcServerRuntime>();
        services.TryAddSingleton<GrpcHealthService>();
        services.TryAddSingleton(provider => new GrpcReflectionService(provider.GetRequiredService<GrpcServerRuntime>()));
        return services;
    }
}
