using Crdt.Grpc.Server;
using Crdt.Grpc.Tests.Support;
using Google.Protobuf;
using Grpc.Testing;
using Microsoft.AspNetCore.Routing;

namespace Crdt.Grpc.Tests;

/// <summary>Guards that all four call kinds carry messages, metadata and status between our client and our server.</summary>
public sealed class CallKindTests
{
    private static SimpleResponse SizedResponse(int size) =>
        new() { Payload = new Payload { Body = ByteString.CopyFrom(new byte[size]) } };

    [Fact]
    public async Task Unary_call_returns_the_response_with_headers_trailers_and_binary_metadata()
    {
        var binary = new byte[] { 0x00, 0xFF, 0xAB, 0x80 };
        await using var server = await TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary, (request, context) =>
        {
            context.ResponseHeaders.Add("x-echo-text", context.RequestHeaders.GetValue("x-text") ?? "missing");
            context.ResponseTrailers.Add("x-echo-bin", context.RequestHeaders.GetValueBytes("x-data-bin") ?? []);
            return Task.FromResult(SizedResponse(request.ResponseSize));
        }));
        using var channel = server.CreateChannel();

        var headers = new Metadata().Add("x-text", "hello world").Add("x-data-bin", binary);
        using var call = channel.UnaryCall(ProbeMethods.Unary, new SimpleRequest { ResponseSize = 1234 }, new CallOptions { Headers = headers });
        var response = await call;

        Assert.Equal(1234, response.Payload.Body.Length);
        Assert.Equal("hello world", (await call.ResponseHeadersAsync).GetValue("x-echo-text"));
        Assert.Equal(binary, call.GetTrailers().GetValueBytes("x-echo-bin"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Server_streaming_delivers_every_message_in_order_then_OK()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcServerStreaming(ProbeMethods.ServerStream, async (request, responses, context) =>
        {
            for (var i = 1; i <= request.ResponseSize; i++)
            {
                await responses.WriteAsync(SizedResponse(i));
            }
        }));
        using var channel = server.CreateChannel();

        using var call = channel.ServerStreaming(ProbeMethods.ServerStream, new SimpleRequest { ResponseSize = 50 });
        var sizes = new List<int>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            sizes.Add(response.Payload.Body.Length);
        }

        Assert.Equal(Enumerable.Range(1, 50), sizes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Client_streaming_reads_every_request_before_answering()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcClientStreaming(ProbeMethods.ClientStream, async (IAsyncStreamReader<SimpleRequest> requests, ServerCallContext context) =>
        {
            var total = 0;
            await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
            {
                total += request.Payload.Body.Length;
            }

            return SizedResponse(total);
        }));
        using var channel = server.CreateChannel();

        using var call = channel.ClientStreaming(ProbeMethods.ClientStream);
        foreach (var size in new[] { 27182, 8, 1828, 45904 })
        {
            await call.RequestStream.WriteAsync(new SimpleRequest { Payload = new Payload { Body = ByteString.CopyFrom(new byte[size]) } });
        }

        await call.RequestStream.CompleteAsync();
        var response = await call;

        Assert.Equal(74922, response.Payload.Body.Length);
    }

    [Fact]
    public async Task Duplex_answers_each_request_as_it_arrives()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcDuplexStreaming(ProbeMethods.Duplex, async (requests, responses, context) =>
        {
            while (await requests.MoveNext(context.CancellationToken))
            {
                await responses.WriteAsync(SizedResponse(requests.Current.ResponseSize));
            }
        }));
        using var channel = server.CreateChannel();

        using var call = channel.DuplexStreaming(ProbeMethods.Duplex);
        foreach (var size in new[] { 31415, 9, 2653, 58979 })
        {
            // Ping-pong: the answer must come before the next request is sent.
            await call.RequestStream.WriteAsync(new SimpleRequest { ResponseSize = size });
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal(size, call.ResponseStream.Current.Payload.Body.Length);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Duplex_with_no_requests_ends_OK_with_no_responses()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcDuplexStreaming(ProbeMethods.Duplex, async (requests, responses, context) =>
        {
            while (await requests.MoveNext(context.CancellationToken))
            {
                await responses.WriteAsync(SizedResponse(1));
            }
        }));
        using var channel = server.CreateChannel();

        using var call = channel.DuplexStreaming(ProbeMethods.Duplex);
        await call.RequestStream.CompleteAsync();

        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Many_concurrent_calls_share_one_channel()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary,
            (request, context) => Task.FromResult(SizedResponse(request.ResponseSize))));
        using var channel = server.CreateChannel();

        var sizes = Enumerable.Range(0, 200).ToArray();
        var responses = await Task.WhenAll(sizes.Select(size => channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest { ResponseSize = size })));

        Assert.Equal(sizes, responses.Select(r => r.Payload.Body.Length));
    }
}
