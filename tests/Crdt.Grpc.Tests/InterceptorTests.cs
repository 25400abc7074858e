using System.Security.Claims;
using Crdt.Grpc.Server;
using Crdt.Grpc.Tests.Support;
using Grpc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Crdt.Grpc.Tests;

/// <summary>Guards the auth hook: it runs before the handler, can reject with UNAUTHENTICATED, and passes the identity on.</summary>
public sealed class InterceptorTests
{
    private sealed class BearerInterceptor : IServerCallInterceptor
    {
        public ValueTask OnCallStartingAsync(ServerCallContext context)
        {
            if (context.RequestHeaders.GetValue("authorization") != "Bearer good-token")
            {
                throw new RpcException(StatusCode.Unauthenticated, "missing or invalid bearer token");
            }

            context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "tech-7")], "Bearer"));
            return ValueTask.CompletedTask;
        }
    }

    private static Task<TestServer> StartAsync(Func<int> onHandler) => TestServer.StartAsync(
        app => app.MapGrpcUnary(ProbeMethods.Unary, (request, context) =>
        {
            onHandler();
            return Task.FromResult(new SimpleResponse { Username = context.User?.Identity?.Name ?? "anonymous" });
        }),
        services: services => services.AddSingleton<IServerCallInterceptor, BearerInterceptor>());

    [Fact]
    public async Task A_call_without_a_valid_token_is_UNAUTHENTICATED_and_the_handler_never_runs()
    {
        var handlerRuns = 0;
        await using var server = await StartAsync(() => Interlocked.Increment(ref handlerRuns));
        using var channel = server.CreateChannel();

        var missing = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest()));
        var wrong = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest(),
            new CallOptions { Headers = new Metadata().Add("authorization", "Bearer bad") }));

        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Equal("missing or invalid bearer token", wrong.Status.Detail);
        Assert.Equal(0, handlerRuns);
    }

    [Fact]
    public async Task A_valid_token_reaches_the_handler_as_the_call_identity()
    {
        await using var server = await StartAsync(() => 0);
        using var channel = server.CreateChannel();

        var response = await channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest(),
            new CallOptions { Headers = new Metadata().Add("authorization", "Bearer good-token") });

        Assert.Equal("tech-7", response.Username);
    }
}
