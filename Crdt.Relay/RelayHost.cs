using System.Net;
using System.Security.Cryptography.X509Certificates;
using Crdt.Core.Wire;
using Crdt.Grpc.Server;
using Crdt.Relay.Auth;
using Crdt.Relay.Diagnostics;
using Crdt.Relay.Services;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Sqlite;
using Crdt.Relay.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crdt.Relay;

/// <summary>
/// A running relay: Kestrel with the Sync, Documents and Admin services, health and reflection,
/// over one <see cref="IRelayStore"/>. <c>serve</c> runs one; tests, the replica's end-to-end
/// tests and the load harness start one in-process on an ephemeral port:
/// <code>await using var relay = await RelayHost.StartAsync(new RelayOptions { DataDirectory = dir, Listen = new(IPAddress.Loopback, 0) });
/// var channel = GrpcChannel.ForAddress(relay.Address);</code>
/// </summary>
public sealed class RelayHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RelayEngine _engine;

    private RelayHost(WebApplication app, RelayEngine engine, Uri address)
    {
        _app = app;
        _engine = engine;
        Address = address;
    }

    /// <summary>Where the relay listens, e.g. <c>http://127.0.0.1:40123</c> (the real port when 0 was asked).</summary>
    public Uri Address { get; }

    /// <summary>The store the relay runs on (tests register devices through it).</summary>
    internal IRelayStore Store => _engine.Store;

    /// <summary>The relay's metrics (also published on the <c>Crdt.Relay</c> meter).</summary>
    public RelayMetrics Metrics => _engine.Metrics;

    /// <summary>Starts a relay on SQLite in <see cref="RelayOptions.DataDirectory"/>.</summary>
    public static Task<RelayHost> StartAsync(RelayOptions options, CancellationToken cancellationToken = default) =>
        StartAsync(options, SqliteRelayStore.Open(options.DataDirectory, options.DurableCommits), cancellationToken);

    /// <summary>Starts a relay over the given store, which it then owns (disposes).</summary>
    public static async Task<RelayHost> StartAsync(RelayOptions options, IRelayStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        RelayEngine? engine = null;
        WebApplication? app = null;
        try
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            {
                kestrel.Limits.MaxRequestBodySize = null;
                kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
                kestrel.Listen(options.Listen, listen => ConfigureListener(listen, options));
            });
            builder.Services.AddRoutingCore();
            var loggerFactory = LoggerFactory.Create(logging =>
            {
                logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning).SetMinimumLevel(LogLevel.Information);
                if (options.ConfigureLogging is { } configure) configure(logging);
                else logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
            });
            builder.Services.AddSingleton(loggerFactory);
            engine = await RelayEngine.OpenAsync(options, store, loggerFactory, cancellationToken).ConfigureAwait(false);
            builder.Services.AddSingleton(engine);
            builder.Services.AddCrdtGrpc(grpc =>
            {
                grpc.MaxReceiveMessageSize = options.MaxReceiveMessageBytes;
                grpc.Interceptors.Add(new BearerAuthInterceptor(engine.Devices, engine.Metrics));
            });

            app = builder.Build();
            app.UseRouting();
            app.MapGrpcService(new SyncService(engine));
            app.MapGrpcService(new DocumentsService(engine));
            app.MapGrpcService(new AdminService(engine.Store, engine.Devices, engine.Metrics, options.Time));
            app.MapGrpcHealthService();
            app.MapGrpcReflectionService(SyncReflection.Descriptor, DocumentsReflection.Descriptor, AdminReflection.Descriptor);
            var health = app.Services.GetRequiredService<GrpcHealthService>();
            foreach (var service in new[] { RelayMethods.SyncService, RelayMethods.DocumentsService, RelayMethods.AdminService })
            {
                health.SetStatus(service, global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
            }
            // Damaged data (the engine decides): the relay and its data services say NOT_SERVING.
            var healthy = engine;
            void ReportHealth()
            {
                var status = healthy.IsFullyHealthy ? global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving
                    : global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing;
                foreach (var service in new[] { "", RelayMethods.SyncService, RelayMethods.DocumentsService }) health.SetStatus(service, status);
            }
            engine.HealthChanged += ReportHealth;
            ReportHealth();

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            engine.Log.RelayStarted(address, Path.GetFullPath(options.DataDirectory));
            return new RelayHost(app, engine, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
        }
        catch
        {
            if (app is not null) await app.DisposeAsync().ConfigureAwait(false);
            if (engine is not null) await engine.DisposeAsync().ConfigureAwait(false);
            else await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Completes when the relay is asked to stop (SIGTERM, Ctrl+C) or <paramref name="cancellationToken"/> fires.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    private static void ConfigureListener(ListenOptions listen, RelayOptions options)
    {
        if (options.TlsCertificatePath is null)
        {
            // h2c: gRPC clients speak HTTP/2 with prior knowledge.
            listen.Protocols = HttpProtocols.Http2;
            return;
        }
        listen.Protocols = HttpProtocols.Http1AndHttp2;
        var certificate = X509Certificate2.CreateFromPemFile(options.TlsCertificatePath, options.TlsKeyPath);
        listen.UseHttps(certificate);
    }

    public async ValueTask DisposeAsync()
    {
        // Streams end first (the engine cancels them), then Kestrel drains, then the store closes.
        _engine.BeginShutdown();
        await _app.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _engine.DisposeAsync().ConfigureAwait(false);
    }
}
