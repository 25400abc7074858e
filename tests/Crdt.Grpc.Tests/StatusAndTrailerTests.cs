using Crdt.Grpc.Server;
using Crdt.Grpc.Tests.Support;
using Google.Protobuf;
using Grpc.Testing;
using Microsoft.AspNetCore.Routing;

namespace Crdt.Grpc.Tests;

/// <summary>Guards that errors reach the client with their code, exact message and trailers, Trailers-Only when nothing was sent.</summary>
public sealed class StatusAndTrailerTests
{
    private const string SpecialMessage = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n 100% a,b:c";

    [Fact]
    public async Task An_error_before_any_message_is_sent_trailers_only_with_the_exact_message()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary,
            (SimpleRequest request, ServerCallContext context) => throw new RpcException(StatusCode.FailedPrecondition, SpecialMessage,
                new Metadata().Add("x-why", "because"))));
        using var channel = server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest()));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(SpecialMessage, error.Status.Detail);
        Assert.Equal("because", error.Trailers.GetValue("x-why"));

        // On the wire: one HEADERS block with the status, no body, no trailers.
        var raw = await RawGrpc.SendAsync(server.Address, ProbeMethods.Unary.FullName, RawGrpc.Frame([]));
        Assert.Equal("9", raw.Header("grpc-status"));
        Assert.Equal("because", raw.Header("x-why"));
        Assert.Empty(raw.Body);
        Assert.Empty(raw.Trailers);
    }

    [Fact]
    public async Task Grpc_message_is_percent_encoded_only_outside_printable_ascii()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary,
            (SimpleRequest request, ServerCallContext context) => throw new RpcException(StatusCode.Aborted, "50% a,b:c ☺")));

        var raw = await RawGrpc.SendAsync(server.Address, ProbeMethods.Unary.FullName, RawGrpc.Frame([]));

        Assert.Equal("50%25 a,b:c %E2%98%BA", raw.Header("grpc-message"));
    }

    [Fact]
    public async Task An_error_after_messages_arrives_in_the_trailers_after_those_messages()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcServerStreaming(ProbeMethods.ServerStream, async (request, responses, context) =>
        {
            await responses.WriteAsync(new SimpleResponse { Username = "one" });
            await responses.WriteAsync(new SimpleResponse { Username = "two" });
            context.ResponseTrailers.Add("x-progress-bin", new byte[] { 2 });
            throw new RpcException(StatusCode.ResourceExhausted, "quota used up");
        }));
        using var channel = server.CreateChannel();

        using var call = channel.ServerStreaming(ProbeMethods.ServerStream, new SimpleRequest());
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal("one", call.ResponseStream.Current.Username);
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal("two", call.ResponseStream.Current.Username);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("quota used up", error.Status.Detail);
        Assert.Equal(new byte[] { 2 }, error.Trailers.GetValueBytes("x-progress-bin"));
        Assert.Equal(StatusCode.ResourceExhausted, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task A_handler_that_throws_something_else_ends_the_call_UNKNOWN_without_leaking_the_message()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary,
            (SimpleRequest request, ServerCallContext context) => throw new InvalidOperationException("secret connection string")));
        using var channel = server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest()));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.DoesNotContain("secret", error.Status.Detail);
    }

    [Fact]
    public async Task A_handler_may_end_with_a_status_without_throwing()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary, (request, context) =>
        {
            context.Status = new Status(StatusCode.NotFound, "no such work order");
            return Task.FromResult(new SimpleResponse());
        }));
        using var channel = server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest()));

        Assert.Equal(new Status(StatusCode.NotFound, "no such work order"), error.Status);
    }

    [Fact]
    public async Task Unknown_method_and_unknown_service_are_UNIMPLEMENTED()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary,
            (request, context) => Task.FromResult(new SimpleResponse())));
        using var channel = server.CreateChannel();
        var unknownMethod = new Method<SimpleRequest, SimpleResponse>(MethodType.Unary, ProbeMethods.ServiceName, "Missing", SimpleRequest.Parser, SimpleResponse.Parser);
        var unknownService = new Method<SimpleRequest, SimpleResponse>(MethodType.Unary, "crdt.test.Nobody", "Unary", SimpleRequest.Parser, SimpleResponse.Parser);

        var methodError = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(unknownMethod, new SimpleRequest()));
        var serviceError = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(unknownService, new SimpleRequest()));

        Assert.Equal(StatusCode.Unimplemented, methodError.StatusCode);
        Assert.Contains("/crdt.test.Probe/Missing", methodError.Status.Detail);
        Assert.Equal(StatusCode.Unimplemented, serviceError.StatusCode);
    }

    [Fact]
    public async Task A_second_request_message_to_a_unary_method_is_UNIMPLEMENTED()
    {
        var handlerRan = false;
        await using var server = await TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary, (request, context) =>
        {
            handlerRan = true;
            return Task.FromResult(new SimpleResponse());
        }));
        var two = RawGrpc.Frame(new SimpleRequest { ResponseSize = 1 }.ToByteArray()).Concat(RawGrpc.Frame([])).ToArray();

        var raw = await RawGrpc.SendAsync(server.Address, ProbeMethods.Unary.FullName, two);

        Assert.Equal("12", raw.GrpcStatus);
        Assert.False(handlerRan);
    }
}
