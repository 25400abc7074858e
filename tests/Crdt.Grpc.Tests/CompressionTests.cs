using Crdt.Grpc.Internal;
using Crdt.Grpc.Server;
using Crdt.Grpc.Tests.Support;
using Google.Protobuf;
using Grpc.Testing;
using Microsoft.AspNetCore.Routing;

namespace Crdt.Grpc.Tests;

/// <summary>Guards that gzip requests are accepted and responses are compressed only for clients that accept it.</summary>
public sealed class CompressionTests
{
    private static Task<TestServer> StartAsync(Action<GrpcServerOptions>? configure = null) =>
        TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary, (request, context) => Task.FromResult(new SimpleResponse
        {
            Username = context.RequestMessageCompressed ? "compressed" : "plain",
            Payload = new Payload { Body = ByteString.CopyFrom(new byte[request.ResponseSize]) },
        })), configure);

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Our_client_compresses_requests_and_reads_compressed_responses(string encoding)
    {
        await using var server = await StartAsync();
        using var channel = server.CreateChannel(new GrpcChannelOptions { RequestCompression = encoding });

        var response = await channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest { ResponseSize = 314159, Payload = new Payload { Body = ByteString.CopyFrom(new byte[271828]) } });

        Assert.Equal("compressed", response.Username);
        Assert.Equal(314159, response.Payload.Body.Length);
    }

    [Fact]
    public async Task A_gzip_request_gets_a_gzip_response_when_the_client_accepts_gzip()
    {
        await using var server = await StartAsync();
        var request = new SimpleRequest { ResponseSize = 1000 }.ToByteArray();

        var raw = await RawGrpc.SendAsync(server.Address, ProbeMethods.Unary.FullName, RawGrpc.Frame(GrpcCompression.Compress("gzip", request), flag: 1),
            headers: [("grpc-encoding", "gzip"), ("grpc-accept-encoding", "identity,gzip")]);

        Assert.Equal("0", raw.GrpcStatus);
        Assert.Equal("gzip", raw.Header("grpc-encoding"));
        Assert.Equal(1, raw.Body[0]);
        var response = SimpleResponse.Parser.ParseFrom(GrpcCompression.Decompress("gzip", raw.Body.AsSpan(5), int.MaxValue));
        Assert.Equal("compressed", response.Username);
        Assert.Equal(1000, response.Payload.Body.Length);
    }

    [Fact]
    public async Task Responses_stay_uncompressed_for_a_client_that_does_not_accept_the_encoding()
    {
        await using var server = await StartAsync(options => options.ResponseCompression = "gzip");
        var request = new SimpleRequest { ResponseSize = 1000 }.ToByteArray();

        var withoutAccept = await RawGrpc.SendAsync(server.Address, ProbeMethods.Unary.FullName, RawGrpc.Frame(request));
        var withAccept = await RawGrpc.SendAsync(server.Address, ProbeMethods.Unary.FullName, RawGrpc.Frame(request), headers: [("grpc-accept-encoding", "gzip")]);

        Assert.Null(withoutAccept.Header("grpc-encoding"));
        Assert.Equal(0, withoutAccept.Body[0]);
        Assert.Equal("gzip", withAccept.Header("grpc-encoding"));
        Assert.Equal(1, withAccept.Body[0]);
    }
}
