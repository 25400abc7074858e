using System.Net;
using System.Security.Cryptography.X509Certificates;
using Crdt.Relay.Auth;
using Crdt.Relay.Board;
using Crdt.Relay.Diagnostics;
using Crdt.Relay.Services;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Sqlite;
using Crdt.Relay.Storage.Blobs;
using Crdt.Relay.Sync;
using Grpc.AspNetCore.Web;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Crdt.Relay;

/// <summary>
/// A running relay: Grpc.AspNetCore on Kestrel with the Sync, Documents and Admin services (service
/// bases generated from proto/ in Crdt.Contract), grpc.health.v1, reflection (v1 and v1alpha) and
/// gRPC-Web, over one <see cref="IRelayStore"/>. <c>serve</c> runs one; tests, the replica's
/// end-to-end tests and the load harness start one in-process on an ephemeral port:
/// <code>await using var relay = await RelayHost.StartAsync(new RelayOptions { DataDirectory = dir, Listen = new(IPAddress.Loopback, 0) });
/// using var channel = GrpcChannel.ForAddress(relay.Address);</code>
/// </summary>
public sealed class RelayHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RelayEngine _engine;
    private readonly HealthServiceImpl _health;

    private RelayHost(WebApplication app, RelayEngine engine, HealthServiceImpl health, Uri address, Uri? webAddress)
    {
        _app = app;
        _engine = engine;
        _health = health;
        Address = address;
        WebAddress = webAddress;
    }

    /// <summary>Where the relay listens, e.g. <c>http://127.0.0.1:40123</c> (the real port when 0 was asked).</summary>
    public Uri Address { get; }

    /// <summary>The HTTP/1.1 listener for gRPC-Web (<see cref="RelayOptions.WebListen"/>), or null when off.</summary>
    public Uri? WebAddress { get; }

    /// <summary>The store the relay runs on (tests register devices through it).</summary>
    internal IRelayStore Store => _engine.Store;

    /// <summary>The host's services (tests look at the gRPC endpoints it mapped).</summary>
    internal IServiceProvider Services => _app.Services;

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
                if (options.WebListen is { } web)
                {
                    // Browsers do not speak cleartext HTTP/2, and Kestrel cannot serve HTTP/1.1 and
                    // prior-knowledge h2c on one cleartext port: gRPC-Web gets its own HTTP/1.1 port.
                    kestrel.Listen(web, listen => listen.Protocols = HttpProtocols.Http1);
                }
            });
            builder.Services.AddRoutingCore();
            var loggerFactory = LoggerFactory.Create(logging =>
            {
                logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning).SetMinimumLevel(LogLevel.Information);
                // A port already in use: the host logs the whole exception before StartAsync throws it,
                // and `serve` reports it in one line ("cannot serve on ..."): no stack trace for that.
                logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
                // Operators raise or lower levels with the standard .NET keys in the environment,
                // e.g. Logging__LogLevel__Default=Debug or Logging__LogLevel__Crdt.Relay=Warning.
                logging.AddConfiguration(new ConfigurationBuilder().AddEnvironmentVariables().Build().GetSection("Logging"));
                if (options.ConfigureLogging is { } configure)
                {
                    configure(logging);
                }
                else
                {
                    logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
                }
            });
            builder.Services.AddSingleton(loggerFactory);
            engine = await RelayEngine.OpenAsync(options, store, loggerFactory, cancellationToken).ConfigureAwait(false);
            builder.Services.AddSingleton(engine);
            // What the services are given, each by its constructor: they never reach through the engine for it.
            builder.Services.AddSingleton(engine.Store);
            builder.Services.AddSingleton(engine.Devices);
            builder.Services.AddSingleton(engine.Metrics);
            builder.Services.AddSingleton(engine.Log);
            builder.Services.AddSingleton(options.Schemas);
            builder.Services.AddSingleton(options.Time);
            builder.Services.AddSingleton<CallGuard>();
            builder.Services.AddSingleton<BearerAuthInterceptor>();
            builder.Services.AddGrpc(grpc =>
            {
                grpc.MaxReceiveMessageSize = options.MaxReceiveMessageBytes;
                grpc.Interceptors.Add<BearerAuthInterceptor>();
            });
            builder.Services.AddGrpcReflection();
            var health = new HealthServiceImpl();
            builder.Services.AddSingleton(health);
            builder.Services.AddSingleton(new PushAdmission(options.PushesAtOnce));
            builder.Services.AddSingleton<SyncService>();
            builder.Services.AddSingleton<DocumentsService>();
            builder.Services.AddSingleton<AdminService>();
            builder.Services.AddSingleton(BlobStores.For(store, options));
            builder.Services.AddSingleton<AttachmentsService>();

            app = builder.Build();
            app.UseNoStoreForApiResponses();
            app.UseRouting();
            // gRPC-Web on every endpoint: a browser (or Node fetch) can call Documents over HTTP/1.1.
            app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
            app.MapGrpcService<SyncService>();
            app.MapGrpcService<DocumentsService>();
            app.MapGrpcService<AdminService>();
            app.MapGrpcService<AttachmentsService>();
            app.MapGrpcService<HealthServiceImpl>();
            app.MapGrpcReflectionService();
            app.MapDispatcherBoard();

            var stopping = engine;
            // SIGTERM / Ctrl+C: NOT_SERVING and live streams ended before Kestrel drains its connections.
            app.Lifetime.ApplicationStopping.Register(() =>
            {
                SetHealth(health, HealthCheckResponse.Types.ServingStatus.NotServing);
                stopping.BeginShutdown();
            });
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
            // The store is open and every tenant loaded (RelayEngine.OpenAsync): only now SERVING,
            // unless the engine found damaged data (then the relay and its data services say
            // NOT_SERVING while the healthy tenants are still served).
            var watched = engine;
            var reportLock = new object();
            void ReportEngineHealth()
            {
                // Reported from the probe's thread and from calls at once: one at a time, each
                // from the engine's state as it is now, so the last report is never a stale one.
                lock (reportLock)
                {
                    if (watched.ShutdownToken.IsCancellationRequested)
                    {
                        return;
                    }

                    if (!watched.DatabaseReachable)
                    {
                        // The shared database is away: no service can do anything until it is back.
                        SetHealth(health, HealthCheckResponse.Types.ServingStatus.NotServing);
                        return;
                    }

                    SetHealth(health, HealthCheckResponse.Types.ServingStatus.Serving);
                    if (watched.IsFullyHealthy)
                    {
                        return;
                    }

                    foreach (var service in new[] { "", Core.Wire.Sync.Descriptor.FullName, Core.Wire.Documents.Descriptor.FullName })
                    {
                        health.SetStatus(service, HealthCheckResponse.Types.ServingStatus.NotServing);
                    }
                }
            }
            engine.HealthChanged += ReportEngineHealth;
            ReportEngineHealth();
            var address = addresses[0];
            engine.Log.RelayStarted(address, Path.GetFullPath(options.DataDirectory));
            return new RelayHost(app, engine, health, Loopback(address), addresses.Count > 1 ? Loopback(addresses[1]) : null);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            if (engine is not null)
            {
                await engine.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    private static Uri Loopback(string address) => new(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));

    /// <summary>The whole server ("") and each of our services.</summary>
    private static void SetHealth(HealthServiceImpl health, HealthCheckResponse.Types.ServingStatus status)
    {
        foreach (var service in new[] { "", Core.Wire.Sync.Descriptor.FullName, Core.Wire.Documents.Descriptor.FullName, Core.Wire.Admin.Descriptor.FullName, Core.Wire.Attachments.Descriptor.FullName })
        {
            health.SetStatus(service, status);
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
        // Load balancers see NOT_SERVING first, then streams end (the engine cancels them), then
        // Kestrel drains, then the store closes.
        SetHealth(_health, HealthCheckResponse.Types.ServingStatus.NotServing);
        _engine.BeginShutdown();
        await _app.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _engine.DisposeAsync().ConfigureAwait(false);
    }
}
