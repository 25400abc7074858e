using Crdt.Grpc.Server;
using Crdt.Grpc.Tests.Support;
using Grpc.Testing;
using Microsoft.AspNetCore.Routing;

namespace Crdt.Grpc.Tests;

/// <summary>Guards that one channel survives the server going away and coming back, and reports UNAVAILABLE meanwhile.</summary>
public sealed class ConnectionTests
{
    private static Task<TestServer> StartAsync(string name, int port = 0) =>
        TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary,
            (request, context) => Task.FromResult(new SimpleResponse { ServerId = name })), port: port);

    [Fact]
    public async Task A_channel_reconnects_after_the_server_restarts_on_the_same_port()
    {
        var first = await StartAsync("first");
        var port = first.Port;
        using var channel = first.CreateChannel(new GrpcChannelOptions { KeepAlivePingDelay = TimeSpan.FromSeconds(1), KeepAlivePingTimeout = TimeSpan.FromSeconds(1) });
        var before = await channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest());

        await first.DisposeAsync();
        var whileDown = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest()));

        await using var second = await StartAsync("second", port);
        var after = await channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest());

        Assert.Equal("first", before.ServerId);
        Assert.Equal(StatusCode.Unavailable, whileDown.StatusCode);
        Assert.Equal("second", after.ServerId);
    }

    [Fact]
    public async Task Calls_to_a_port_nobody_listens_on_are_UNAVAILABLE()
    {
        var server = await StartAsync("gone");
        var address = server.Address;
        await server.DisposeAsync();
        using var channel = GrpcChannel.ForAddress(address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task A_stream_open_while_the_server_stops_ends_with_an_error_status_not_a_hang()
    {
        var serverStopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await TestServer.StartAsync(app => app.MapGrpcServerStreaming(ProbeMethods.ServerStream, async (request, responses, context) =>
        {
            await responses.WriteAsync(new SimpleResponse());
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }));
        using var channel = server.CreateChannel();
        using var call = channel.ServerStreaming(ProbeMethods.ServerStream, new SimpleRequest());
        Assert.True(await call.ResponseStream.MoveNext());

        await server.DisposeAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext()).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }
}
