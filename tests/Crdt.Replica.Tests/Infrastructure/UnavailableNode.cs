using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crdt.Replica.Tests.Infrastructure;

/// <summary>
/// A relay node that is up but cannot serve (its database is away, it is draining): a real HTTP/2
/// server on 127.0.0.1 that answers every gRPC call UNAVAILABLE, and counts the calls it got.
/// </summary>
internal sealed class UnavailableNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _calls;

    private UnavailableNode(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>gRPC calls answered so far.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public static async Task<UnavailableNode> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var node = new UnavailableNode(builder.Build());
        node._app.Run(context =>
        {
            Interlocked.Increment(ref node._calls);
            // Trailers-only: the status in the response headers, no body.
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "14";
            context.Response.Headers["grpc-message"] = "this node cannot reach its database";
            return Task.CompletedTask;
        });
        await node._app.StartAsync();
        var address = node._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        node.Url = address.TrimEnd('/');
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
