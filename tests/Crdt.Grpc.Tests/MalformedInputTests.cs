using System.Buffers.Binary;
using Crdt.Grpc.Server;
using Crdt.Grpc.Tests.Support;
using Google.Protobuf;
using Grpc.Testing;
using Microsoft.AspNetCore.Routing;

namespace Crdt.Grpc.Tests;

/// <summary>Guards that bad frames, oversized messages and non-gRPC requests get the right status and never reach the handler.</summary>
public sealed class MalformedInputTests
{
    private static async Task<(TestServer Server, Func<bool> HandlerRan)> StartEchoAsync(Action<GrpcServerOptions>? configure = null)
    {
        var ran = false;
        var server = await TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary, (request, context) =>
        {
            ran = true;
            return Task.FromResult(new SimpleResponse { Payload = request.Payload });
        }), configure);
        return (server, () => ran);
    }

    private static SimpleRequest RequestOfSize(int payloadBytes) =>
        new() { Payload = new Payload { Body = ByteString.CopyFrom(new byte[payloadBytes]) } };

    [Fact]
    public async Task A_request_over_the_default_4_MiB_limit_is_RESOURCE_EXHAUSTED()
    {
        var (server, handlerRan) = await StartEchoAsync();
        await using var _ = server;
        using var channel = server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ProbeMethods.Unary, RequestOfSize(4 * 1024 * 1024 + 1)));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("larger than max", error.Status.Detail);
        Assert.False(handlerRan());
    }

    [Fact]
    public async Task A_request_just_under_the_limit_is_accepted()
    {
        var (server, _) = await StartEchoAsync(options => options.MaxReceiveMessageSize = 64 * 1024);
        await using var __ = server;
        using var channel = server.CreateChannel();

        var response = await channel.UnaryAsync(ProbeMethods.Unary, RequestOfSize(64 * 1024 - 16));
        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ProbeMethods.Unary, RequestOfSize(64 * 1024)));

        Assert.Equal(64 * 1024 - 16, response.Payload.Body.Length);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task A_gzip_bomb_is_refused_by_its_decompressed_size()
    {
        var (server, handlerRan) = await StartEchoAsync(options => options.MaxReceiveMessageSize = 1024 * 1024);
        await using var _ = server;
        var compressed = Crdt.Grpc.Internal.GrpcCompression.Compress("gzip", RequestOfSize(8 * 1024 * 1024).ToByteArray());

        var raw = await RawGrpc.SendAsync(server.Address, ProbeMethods.Unary.FullName, RawGrpc.Frame(compressed, flag: 1),
            headers: [("grpc-encoding", "gzip")]);

        Assert.True(compressed.Length < 1024 * 1024);
        Assert.Equal("8", raw.GrpcStatus);
        Assert.False(handlerRan());
    }

    [Fact]
    public async Task The_client_refuses_a_response_over_its_receive_limit()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary,
            (request, context) => Task.FromResult(new SimpleResponse { Payload = new Payload { Body = ByteString.CopyFrom(new byte[request.ResponseSize]) } })));
        using var channel = server.CreateChannel(new GrpcChannelOptions { MaxReceiveMessageSize = 1000 });

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest { ResponseSize = 2000 }));
        var fine = await channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest { ResponseSize = 900 });

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(900, fine.Payload.Body.Length);
    }

    [Fact]
    public async Task The_client_refuses_to_send_a_message_over_its_send_limit()
    {
        var (server, handlerRan) = await StartEchoAsync();
        await using var _ = server;
        using var channel = server.CreateChannel(new GrpcChannelOptions { MaxSendMessageSize = 100 });

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(ProbeMethods.Unary, RequestOfSize(200)));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.False(handlerRan());
    }

    [Theory]
    [InlineData("garbage text, not a gRPC frame")]          // flag byte 'g'
    [InlineData("\u0002\u0000\u0000\u0000\u0001x")]        // flag 2 is not defined
    [InlineData("\u0001\u0000\u0000\u0000\u0001x")]        // compressed flag without grpc-encoding
    [InlineData("\u0000\u0000\u0000\u0000\u0064short")]    // length 100, body ends after 5 bytes
    [InlineData("\u0000\u0000\u0000")]                     // body ends inside the header
    [InlineData("\u0000\u0000\u0000\u0000\u0003\u00ff\u00ff\u00ff")] // not a protobuf message
    public async Task A_malformed_frame_is_INTERNAL_and_never_reaches_the_handler(string body)
    {
        var (server, handlerRan) = await StartEchoAsync();
        await using var _ = server;

        var raw = await RawGrpc.SendAsync(server.Address, ProbeMethods.Unary.FullName, body.Select(c => (byte)c).ToArray());

        Assert.Equal("13", raw.GrpcStatus);
        Assert.False(handlerRan());
    }

    [Fact]
    public async Task A_frame_whose_length_exceeds_the_limit_is_refused_before_its_body_arrives()
    {
        var (server, handlerRan) = await StartEchoAsync();
        await using var _ = server;
        var header = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), uint.MaxValue);

        var raw = await RawGrpc.SendAsync(server.Address, ProbeMethods.Unary.FullName, header);

        Assert.Equal("8", raw.GrpcStatus);
        Assert.False(handlerRan());
    }

    [Fact]
    public async Task A_non_grpc_content_type_is_answered_415()
    {
        var (server, handlerRan) = await StartEchoAsync();
        await using var _ = server;

        var raw = await RawGrpc.SendAsync(server.Address, ProbeMethods.Unary.FullName, RawGrpc.Frame([]), contentType: "application/json");

        Assert.Equal(System.Net.HttpStatusCode.UnsupportedMediaType, raw.HttpStatus);
        Assert.False(handlerRan());
    }

    [Fact]
    public async Task An_unsupported_grpc_encoding_is_UNIMPLEMENTED_and_lists_what_is_supported()
    {
        var (server, handlerRan) = await StartEchoAsync();
        await using var _ = server;

        var raw = await RawGrpc.SendAsync(server.Address, ProbeMethods.Unary.FullName, RawGrpc.Frame([], flag: 1), headers: [("grpc-encoding", "snappy")]);

        Assert.Equal("12", raw.GrpcStatus);
        Assert.Equal("identity,gzip,deflate", raw.Header("grpc-accept-encoding"));
        Assert.False(handlerRan());
    }

    [Fact]
    public async Task An_invalid_grpc_timeout_is_refused()
    {
        var (server, handlerRan) = await StartEchoAsync();
        await using var _ = server;

        var raw = await RawGrpc.SendAsync(server.Address, ProbeMethods.Unary.FullName, RawGrpc.Frame([]), headers: [("grpc-timeout", "123456789S")]);

        Assert.Equal("13", raw.GrpcStatus);
        Assert.False(handlerRan());
    }
}
