using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crdt.Grpc.Server.Internal;

/// <summary>What every mapped method shares: options, interceptors, logger, and the list of mapped services.</summary>
internal sealed class GrpcServerRuntime
{
    private readonly object _lock = new();
    private readonly SortedSet<string> _services = new(StringComparer.Ordinal);
    private IServerCallInterceptor[]? _interceptors;
    private readonly IServiceProvider _serviceProvider;

    public GrpcServerRuntime(IOptions<GrpcServerOptions> options, ILoggerFactory loggerFactory, IServiceProvider services, IHostApplicationLifetime? lifetime = null)
    {
        Stopping = lifetime?.ApplicationStopping ?? CancellationToken.None;
        Options = options.Value;
        Logger = loggerFactory.CreateLogger("Crdt.Grpc.Server");
        _serviceProvider = services;
    }

    public GrpcServerOptions Options { get; }

    public ILogger Logger { get; }

    /// <summary>Cancelled when the host begins to stop: long streams end with UNAVAILABLE instead of holding shutdown up.</summary>
    public CancellationToken Stopping { get; }

    /// <summary>Interceptors from DI, then from the options; resolved on first use so registration order does not matter.</summary>
    public IServerCallInterceptor[] Interceptors =>
        _interceptors ??= _serviceProvider.GetServices<IServerCallInterceptor>().Concat(Options.Interceptors).ToArray();

    /// <summary>Whether the catch-all UNIMPLEMENTED endpoint was mapped on this route builder already.</summary>
    public bool UnimplementedMapped { get; set; }

    public IReadOnlyCollection<string> MappedServices
    {
        get
        {
            lock (_lock)
            {
                return _services.ToArray();
            }
        }
    }

    public void AddMappedService(string serviceName)
    {
        lock (_lock)
        {
            _services.Add(serviceName);
        }
    }
}
