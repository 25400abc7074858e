using Crdt.Grpc.Server;
using Crdt.Grpc.Tests.Support;
using Google.Protobuf;
using Grpc.Testing;
using Microsoft.AspNetCore.Routing;

namespace Crdt.Grpc.Tests;

/// <summary>
/// Guards the held-back and pre-encoded writes of server streams (what the relay's fan-out uses):
/// every message arrives whole and in the order written, mixed with ordinary writes, plain or
/// compressed, and nothing held back is lost when the handler ends without a flush.
/// </summary>
public sealed class BufferedStreamWriterTests
{
    private static SimpleResponse Sized(int size) =>
        new() { Payload = new Payload { Body = ByteString.CopyFrom(Enumerable.Range(0, size).Select(i => (byte)(i * 7 + size)).ToArray()) } };

    /// <summary>Writes responses of sizes 1..n: odd ones held back as messages, even ones as
    /// encodings (singly or three at a time), with a flush or an ordinary write every tenth.</summary>
    private static async Task WriteMixedAsync(int count, IAsyncStreamWriter<SimpleResponse> responses)
    {
        var buffered = Assert.IsAssignableFrom<IBufferedStreamWriter<SimpleResponse>>(responses);
        var pending = new List<ReadOnlyMemory<byte>>();
        for (var size = 1; size <= count; size++)
        {
            if (size % 10 == 0)
            {
                foreach (var encoded in pending) await buffered.WriteEncodedBufferedAsync(encoded);
                pending.Clear();
                await responses.WriteAsync(Sized(size));
            }
            else if (size % 2 == 1)
            {
                if (pending.Count > 0) await buffered.WriteEncodedBufferedAsync(pending.ToList());
                pending.Clear();
                await buffered.WriteBufferedAsync(Sized(size));
            }
            else
            {
                pending.Add(Sized(size).ToByteArray());
                if (pending.Count == 3)
                {
                    await buffered.WriteEncodedBufferedAsync(pending.ToList());
                    pending.Clear();
                }
            }
            if (size % 25 == 0) await buffered.FlushAsync();
        }
        if (pending.Count > 0) await buffered.WriteEncodedBufferedAsync(pending.ToList());
    }

    private static async Task<List<SimpleResponse>> ReadAllAsync(GrpcChannel channel, int count)
    {
        using var call = channel.ServerStreaming(ProbeMethods.ServerStream, new SimpleRequest { ResponseSize = count });
        var received = new List<SimpleResponse>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            received.Add(response);
        }
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        return received;
    }

    [Fact]
    public async Task Held_back_and_pre_encoded_messages_arrive_whole_and_in_order_even_without_a_final_flush()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcServerStreaming(ProbeMethods.ServerStream,
            (SimpleRequest request, IAsyncStreamWriter<SimpleResponse> responses, ServerCallContext context) => WriteMixedAsync(request.ResponseSize, responses)));
        using var channel = server.CreateChannel();

        var received = await ReadAllAsync(channel, 97);

        Assert.Equal(Enumerable.Range(1, 97).Select(Sized), received);
    }

    [Fact]
    public async Task Pre_encoded_messages_are_compressed_like_any_other_when_the_call_compresses()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcServerStreaming(ProbeMethods.ServerStream,
            (SimpleRequest request, IAsyncStreamWriter<SimpleResponse> responses, ServerCallContext context) =>
            {
                context.ResponseCompression = "gzip";
                return WriteMixedAsync(request.ResponseSize, responses);
            }));

        var raw = await RawGrpc.SendAsync(server.Address, ProbeMethods.ServerStream.FullName,
            RawGrpc.Frame(new SimpleRequest { ResponseSize = 40 }.ToByteArray()), headers: [("grpc-accept-encoding", "gzip")]);

        Assert.Equal("gzip", raw.Header("grpc-encoding"));
        var received = new List<SimpleResponse>();
        for (var at = 0; at < raw.Body.Length;)
        {
            Assert.Equal(1, raw.Body[at]);
            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(raw.Body.AsSpan(at + 1, 4));
            received.Add(SimpleResponse.Parser.ParseFrom(Crdt.Grpc.Internal.GrpcCompression.Decompress("gzip", raw.Body.AsSpan(at + 5, length), int.MaxValue)));
            at += 5 + length;
        }
        Assert.Equal(Enumerable.Range(1, 40).Select(Sized), received);
    }

    [Fact]
    public async Task An_encoded_message_over_the_send_limit_fails_the_call_with_resource_exhausted()
    {
        await using var server = await TestServer.StartAsync(
            app => app.MapGrpcServerStreaming(ProbeMethods.ServerStream, async (SimpleRequest request, IAsyncStreamWriter<SimpleResponse> responses, ServerCallContext context) =>
            {
                var buffered = (IBufferedStreamWriter<SimpleResponse>)responses;
                await buffered.WriteEncodedBufferedAsync([Sized(10).ToByteArray(), Sized(5000).ToByteArray()]);
            }),
            options => options.MaxSendMessageSize = 1000);
        using var channel = server.CreateChannel();

        using var call = channel.ServerStreaming(ProbeMethods.ServerStream, new SimpleRequest { ResponseSize = 1 });
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
            }
        });

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }
}
