using Crdt.Grpc.Tests.Support;
using Crdt.Interop.Server;
using Google.Protobuf;
using Grpc.Testing;

namespace Crdt.Grpc.Tests;

/// <summary>
/// The official interop cases (doc/interop-test-descriptions.md) with our client against a real
/// @grpc/grpc-js server: guards that our client speaks gRPC to another stack, not just to us.
/// </summary>
public sealed class GrpcJsServerInteropTests : IClassFixture<GrpcJsServerFixture>, IDisposable
{
    private const string SpecialMessage = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n";
    private readonly GrpcJsServerFixture _server;
    private readonly GrpcChannel _channel;

    public GrpcJsServerInteropTests(GrpcJsServerFixture server)
    {
        _server = server;
        _channel = GrpcChannel.ForAddress(server.Address);
    }

    public void Dispose() => _channel.Dispose();

    private static CallOptions WithDeadline(Metadata? headers = null) => new() { Timeout = TimeSpan.FromSeconds(10), Headers = headers };

    private static Payload Zeros(int size) => new() { Body = ByteString.CopyFrom(new byte[size]) };

    [Fact]
    public async Task Empty_unary()
    {
        var response = await _channel.UnaryAsync(TestServiceMethods.EmptyCall, new Empty(), WithDeadline());
        Assert.Equal(new Empty(), response);
    }

    [Fact]
    public async Task Large_unary()
    {
        var response = await _channel.UnaryAsync(TestServiceMethods.UnaryCall, new SimpleRequest { ResponseSize = 314159, Payload = Zeros(271828) }, WithDeadline());
        Assert.Equal(314159, response.Payload.Body.Length);
        Assert.All(response.Payload.Body.ToByteArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task Client_compressed_unary()
    {
        using var gzip = GrpcChannel.ForAddress(_server.Address, new GrpcChannelOptions { RequestCompression = "gzip" });
        var response = await gzip.UnaryAsync(TestServiceMethods.UnaryCall,
            new SimpleRequest { ExpectCompressed = new BoolValue { Value = true }, ResponseSize = 314159, Payload = Zeros(271828) }, WithDeadline());
        Assert.Equal(314159, response.Payload.Body.Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Server_compressed_unary(bool compressed)
    {
        // grpc-js 1.14 servers never compress responses (server-interceptors.js: "response compression
        // is currently not supported"); our client's gzip decoding is proven against our server in CompressionTests.
        var request = new SimpleRequest { ResponseCompressed = new BoolValue { Value = compressed }, ResponseSize = 314159, Payload = Zeros(271828) };
        var response = await _channel.UnaryAsync(TestServiceMethods.UnaryCall, request, WithDeadline());
        Assert.Equal(314159, response.Payload.Body.Length);
    }

    [Fact]
    public async Task Client_streaming()
    {
        using var call = _channel.ClientStreaming(TestServiceMethods.StreamingInputCall, WithDeadline());
        foreach (var size in new[] { 27182, 8, 1828, 45904 })
        {
            await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = Zeros(size) });
        }

        await call.RequestStream.CompleteAsync();
        Assert.Equal(74922, (await call).AggregatedPayloadSize);
    }

    [Fact]
    public async Task Server_streaming()
    {
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.Add(new[] { 31415, 9, 2653, 58979 }.Select(size => new ResponseParameters { Size = size }));

        using var call = _channel.ServerStreaming(TestServiceMethods.StreamingOutputCall, request, WithDeadline());
        var sizes = new List<int>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            sizes.Add(response.Payload.Body.Length);
        }

        Assert.Equal([31415, 9, 2653, 58979], sizes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Ping_pong()
    {
        using var call = _channel.DuplexStreaming(TestServiceMethods.FullDuplexCall, WithDeadline());
        foreach (var (responseSize, payloadSize) in new[] { (31415, 27182), (9, 8), (2653, 1828), (58979, 45904) })
        {
            var request = new StreamingOutputCallRequest { Payload = Zeros(payloadSize) };
            request.ResponseParameters.Add(new ResponseParameters { Size = responseSize });
            await call.RequestStream.WriteAsync(request);
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal(responseSize, call.ResponseStream.Current.Payload.Body.Length);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Empty_stream()
    {
        using var call = _channel.DuplexStreaming(TestServiceMethods.FullDuplexCall, WithDeadline());
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Theory]
    [InlineData("test status message")]
    [InlineData(SpecialMessage)]
    public async Task Status_code_and_message_including_special_characters(string message)
    {
        var unary = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync(TestServiceMethods.UnaryCall,
            new SimpleRequest { ResponseStatus = new EchoStatus { Code = 2, Message = message } }, WithDeadline()));

        using var duplex = _channel.DuplexStreaming(TestServiceMethods.FullDuplexCall, WithDeadline());
        await duplex.RequestStream.WriteAsync(new StreamingOutputCallRequest { ResponseStatus = new EchoStatus { Code = 2, Message = message } });
        await duplex.RequestStream.CompleteAsync();
        var streamed = await Assert.ThrowsAsync<RpcException>(() => duplex.ResponseStream.MoveNext());

        Assert.Equal(new Status(StatusCode.Unknown, message), unary.Status);
        Assert.Equal(new Status(StatusCode.Unknown, message), streamed.Status);
    }

    [Fact]
    public async Task Custom_metadata()
    {
        var trailing = new byte[] { 0xAB, 0xAB, 0xAB };
        Metadata Echo() => new Metadata().Add("x-grpc-test-echo-initial", "test_initial_metadata_value").Add("x-grpc-test-echo-trailing-bin", trailing);

        using var unary = _channel.UnaryCall(TestServiceMethods.UnaryCall, new SimpleRequest { ResponseSize = 314159, Payload = Zeros(271828) }, WithDeadline(Echo()));
        await unary;
        Assert.Equal("test_initial_metadata_value", (await unary.ResponseHeadersAsync).GetValue("x-grpc-test-echo-initial"));
        Assert.Equal(trailing, unary.GetTrailers().GetValueBytes("x-grpc-test-echo-trailing-bin"));

        using var duplex = _channel.DuplexStreaming(TestServiceMethods.FullDuplexCall, WithDeadline(Echo()));
        var request = new StreamingOutputCallRequest { Payload = Zeros(271828) };
        request.ResponseParameters.Add(new ResponseParameters { Size = 314159 });
        await duplex.RequestStream.WriteAsync(request);
        await duplex.RequestStream.CompleteAsync();
        Assert.True(await duplex.ResponseStream.MoveNext());
        Assert.False(await duplex.ResponseStream.MoveNext());
        Assert.Equal("test_initial_metadata_value", (await duplex.ResponseHeadersAsync).GetValue("x-grpc-test-echo-initial"));
        Assert.Equal(trailing, duplex.GetTrailers().GetValueBytes("x-grpc-test-echo-trailing-bin"));
    }

    [Fact]
    public async Task Unimplemented_method_and_service()
    {
        var method = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync(TestServiceMethods.UnimplementedCall, new Empty(), WithDeadline()));
        var service = await Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync(TestServiceMethods.UnimplementedServiceCall, new Empty(), WithDeadline()));

        Assert.Equal(StatusCode.Unimplemented, method.StatusCode);
        Assert.Equal(StatusCode.Unimplemented, service.StatusCode);
    }

    [Fact]
    public async Task Timeout_on_sleeping_server()
    {
        using var call = _channel.DuplexStreaming(TestServiceMethods.FullDuplexCall, new CallOptions { Timeout = TimeSpan.FromMilliseconds(1) });
        try
        {
            await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { Payload = Zeros(27182) });
        }
        catch (RpcException)
        {
            // The deadline may already have ended the call before the write.
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Cancel_after_begin()
    {
        using var cancellation = new CancellationTokenSource();
        using var call = _channel.ClientStreaming(TestServiceMethods.StreamingInputCall, new CallOptions { CancellationToken = cancellation.Token });
        cancellation.Cancel();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Cancel_after_first_response()
    {
        using var cancellation = new CancellationTokenSource();
        using var call = _channel.DuplexStreaming(TestServiceMethods.FullDuplexCall, new CallOptions { CancellationToken = cancellation.Token, Timeout = TimeSpan.FromSeconds(10) });
        var request = new StreamingOutputCallRequest { Payload = Zeros(27182) };
        request.ResponseParameters.Add(new ResponseParameters { Size = 31415 });
        await call.RequestStream.WriteAsync(request);
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(31415, call.ResponseStream.Current.Payload.Body.Length);

        cancellation.Cancel();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }
}
