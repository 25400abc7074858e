using System.Buffers.Binary;
using System.IO.Compression;
using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Google.Protobuf;
using Grpc.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Transport;

/// <summary>
/// Guards what the relay refuses on the wire, now served by Grpc.AspNetCore: garbage frames,
/// oversized and gzip-bomb messages, unknown methods, missing tokens and expired deadlines each get
/// their status, and nothing of them is stored.
/// </summary>
public sealed class WireRefusalTests : RelayTestBase
{
    private const string PushPath = "/crdtfieldstore.v1.Sync/Push";
    private RelayClient _dispatcher = null!;

    protected override async Task SetUpAsync()
    {
        _dispatcher = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
    }

    private async Task AssertNothingStoredAsync()
    {
        var log = await Relay.Host.Store.ReadLogAsync("default", 0, 10);
        Assert.Empty(log);
    }

    // Grpc.AspNetCore answers a frame it cannot read INTERNAL ("Incomplete message.", a compressed
    // flag without grpc-encoding) and one it reads but cannot decode, or whose flag or length is
    // impossible, UNKNOWN ("Exception was thrown by handler."); our old layer said INTERNAL for all.
    // Either way the call fails before the handler runs and nothing is stored.
    [Theory]
    [InlineData("garbage text, not a gRPC frame")]          // flag byte 'g'
    [InlineData("\u0002\u0000\u0000\u0000\u0001x")]        // flag 2 is not defined
    [InlineData("\u0001\u0000\u0000\u0000\u0001x")]        // compressed flag without grpc-encoding
    [InlineData("\u0000\u0000\u0000\u0000\u0064short")]    // length 100, body ends after 5 bytes
    [InlineData("\u0000\u0000\u0000")]                     // body ends inside the header
    [InlineData("\u0000\u0000\u0000\u0000\u0003\u00ff\u00ff\u00ff")] // not a protobuf message
    public async Task A_malformed_push_is_refused_with_an_error_status_and_stores_nothing(string body)
    {
        var raw = await RawGrpc.SendAsync(Relay.Host.Address, PushPath, body.Select(c => (byte)c).ToArray(), _dispatcher.Token);

        Assert.Contains(raw.GrpcStatus, new[] { "13", "2" });
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_push_over_the_4_MiB_limit_is_RESOURCE_EXHAUSTED()
    {
        var device = new Device("big-device", "dina");
        var op = device.CreatePart("p-big");
        var request = new Wire.PushRequest();
        // Many copies of one op: over 4 MiB in one message (the relay would dedupe them, but never reads them).
        var wire = Wire.CoreMessages.ToMessage(op);
        request.Ops.Add(Enumerable.Repeat(wire, 4 * 1024 * 1024 / wire.CalculateSize() + 1));

        var error = await Assert.ThrowsAsync<RpcException>(() => _dispatcher.PushAsync(request));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_gzip_bomb_is_refused_by_its_decompressed_size()
    {
        var inflated = new byte[8 * 1024 * 1024];
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.SmallestSize, leaveOpen: true)) gzip.Write(inflated);
        var compressed = packed.ToArray();

        var raw = await RawGrpc.SendAsync(Relay.Host.Address, PushPath, RawGrpc.Frame(compressed, flag: 1), _dispatcher.Token,
            [("grpc-encoding", "gzip")]);

        Assert.True(compressed.Length < 64 * 1024, $"the bomb is small on the wire ({compressed.Length} bytes)");
        Assert.Equal("8", raw.GrpcStatus); // RESOURCE_EXHAUSTED
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_gzip_push_within_the_limit_is_accepted()
    {
        var device = new Device("gzip-device", "dina");
        var request = new Wire.PushRequest();
        request.Ops.Add(Wire.CoreMessages.ToMessage(device.CreatePart("p-gz")));
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(request.ToByteArray());

        var raw = await RawGrpc.SendAsync(Relay.Host.Address, PushPath, RawGrpc.Frame(packed.ToArray(), flag: 1), _dispatcher.Token,
            [("grpc-encoding", "gzip")]);

        Assert.Equal("0", raw.GrpcStatus);
        Assert.Single(await Relay.Host.Store.ReadLogAsync("default", 0, 10));
    }

    [Theory]
    [InlineData("/crdtfieldstore.v1.Sync/NoSuchMethod")]
    [InlineData("/crdtfieldstore.v1.NoSuchService/Push")]
    public async Task Unknown_methods_and_services_are_UNIMPLEMENTED(string path)
    {
        var raw = await RawGrpc.SendAsync(Relay.Host.Address, path, RawGrpc.Frame([]), _dispatcher.Token);

        Assert.Equal("12", raw.GrpcStatus);
    }

    [Fact]
    public async Task A_push_without_a_token_is_UNAUTHENTICATED_and_stores_nothing()
    {
        var device = new Device("anon-device", "nobody");
        var request = new Wire.PushRequest();
        request.Ops.Add(Wire.CoreMessages.ToMessage(device.CreatePart("p-anon")));

        var raw = await RawGrpc.SendAsync(Relay.Host.Address, PushPath, RawGrpc.Frame(request.ToByteArray()), token: null);

        Assert.Equal("16", raw.GrpcStatus);
        Assert.Contains("authorization", raw.GrpcMessage);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_frame_claiming_an_impossible_length_is_refused()
    {
        var header = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), uint.MaxValue);

        var raw = await RawGrpc.SendAsync(Relay.Host.Address, PushPath, header, _dispatcher.Token);

        Assert.Contains(raw.GrpcStatus, new[] { "8", "2" });
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_pull_whose_deadline_passes_ends_DEADLINE_EXCEEDED()
    {
        var options = new CallOptions(_dispatcher.Headers(), DateTime.UtcNow.AddMilliseconds(300));
        using var call = _dispatcher.Sync.Subscribe(new Wire.SubscribeRequest(), options);

        var error = await Assert.ThrowsAsync<RpcException>(async () => { while (await call.ResponseStream.MoveNext()) { } });

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }
}
