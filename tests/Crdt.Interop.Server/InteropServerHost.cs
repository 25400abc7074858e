using System.Net;
using Crdt.Grpc.Server;
using Grpc.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crdt.Interop.Server;

/// <summary>Builds the interop server: TestService, health and reflection on 127.0.0.1 over h2c.</summary>
public static class InteropServerHost
{
    /// <param name="port">0 picks a free port; read it back from <see cref="BoundAddress"/>.</param>
    public static WebApplication Build(int port, LogLevel minimumLogLevel = LogLevel.Warning)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(minimumLogLevel);
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddCrdtGrpc();
        var app = builder.Build();
        app.MapGrpcService<InteropTestService>();
        app.MapGrpcHealthService();
        app.MapGrpcReflectionService(TestReflection.Descriptor);
        return app;
    }

    /// <summary>The http:// address a started server listens on.</summary>
    public static string BoundAddress(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
}
