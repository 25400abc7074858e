using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Transport;

/// <summary>
/// Guards that an op has one byte form from edit to every device: the bytes OpCodec.Encode made
/// are pushed as they are (<see cref="Wire.PushRequest.OfEncodedOps"/>), stored by the relay as
/// they are (its Push keeps them, issue 11), and sent to pulling devices as they are. Bytes another
/// encoder wrote are stored as OpCodec.Encode writes the op, never as sent.
/// </summary>
public sealed class CanonicalBytesTests
{
    [Fact]
    public async Task Pushed_op_bytes_are_stored_unchanged()
    {
        await using var relay = await TestRelay.StartAsync();
        var dispatcher = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-bytes", "dina");
        var encoded = new[] { board.CreateOrder("wo-b1", "tom", title: "Bytes once"), board.AddHours("wo-b1", "e1", 1.5m) }
            .Select(OpCodec.Encode).ToArray();

        var pushed = await dispatcher.Sync.PushAsync(Wire.PushRequest.OfEncodedOps(encoded), dispatcher.Options());
        var stored = await relay.Host.Store.ReadLogAsync("default", 0, 10);

        Assert.Equal(2u, pushed.Stored);
        Assert.Equal(encoded, stored.Select(e => e.Payload).ToArray());
    }

    [Fact]
    public async Task Ops_after_a_cursor_go_out_as_the_stored_bytes()
    {
        await using var relay = await TestRelay.StartAsync();
        var dispatcher = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-bytes2", "dina");
        var first = OpCodec.Encode(board.CreateOrder("wo-b2", "tom"));
        await dispatcher.Sync.PushAsync(Wire.PushRequest.OfEncodedOps([first]), dispatcher.Options());
        var later = OpCodec.Encode(board.Set(Device.Order("wo-b2"), WorkOrderFields.Title, FieldValue.String("Renamed")));
        await dispatcher.Sync.PushAsync(Wire.PushRequest.OfEncodedOps([later]), dispatcher.Options());

        var raw = await RawGrpc.SendAsync(relay.Host.Address, "/crdtfieldstore.v1.Sync/Pull",
            RawGrpc.Frame(new Wire.PullRequest { Cursor = 1 }.ToByteArray()), dispatcher.Token);
        var messages = Frames(raw.Body);

        Assert.Equal("0", raw.GrpcStatus);
        Assert.Equal(2, messages.Count); // the op, then the checkpoint
        var expected = new byte[1 + CodedOutputStream.ComputeLengthSize(later.Length) + later.Length];
        var output = new CodedOutputStream(expected);
        output.WriteTag(Wire.PullResponse.OpFieldNumber, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(later));
        Assert.Equal(expected, messages[0]);
    }

    [Fact]
    public async Task An_op_the_relay_stamps_for_Mutate_is_stored_in_the_canonical_form()
    {
        await using var relay = await TestRelay.StartAsync();
        var dispatcher = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);

        await dispatcher.MutateAsync("Part", "p-m1", 0,
            new Wire.Mutation { SetField = new Wire.SetField { Field = PartFields.Sku, Value = new Wire.FieldValue { StringValue = "SKU-1" } } },
            new Wire.Mutation { SetField = new Wire.SetField { Field = PartFields.Name, Value = new Wire.FieldValue { StringValue = "Valve" } } });
        var stored = Assert.Single(await relay.Host.Store.ReadLogAsync("default", 0, 10));

        Assert.Equal(OpCodec.Encode(OpCodec.Decode(stored.Payload)), stored.Payload);
    }

    [Fact]
    public async Task A_pushed_canonical_op_comes_back_through_Pull_byte_for_byte()
    {
        await using var relay = await TestRelay.StartAsync();
        var dispatcher = await DispatcherWithAStartedLogAsync(relay);
        var board = new Device("board-bytes3", "dina");
        var encoded = new[] { board.CreateOrder("wo-b3", "tom"), board.AddHours("wo-b3", "e1", 2.50m) }.Select(OpCodec.Encode).ToArray();

        await dispatcher.Sync.PushAsync(Wire.PushRequest.OfEncodedOps(encoded), dispatcher.Options());

        Assert.Equal(encoded, await PulledOpsAsync(relay, dispatcher.Token));
    }

    public static TheoryData<string> ForeignEncodings() => ["fields out of order", "an unknown field", "an unknown field inside the document key"];

    [Theory]
    [MemberData(nameof(ForeignEncodings))]
    public async Task An_op_written_by_another_encoder_is_accepted_and_stored_in_the_canonical_form(string how)
    {
        await using var relay = await TestRelay.StartAsync();
        var dispatcher = await DispatcherWithAStartedLogAsync(relay);
        var op = new Device("board-bytes4", "dina").CreateOrder("wo-b4", "tom");
        var canonical = OpCodec.Encode(op);
        var foreign = how switch
        {
            "fields out of order" => Reordered(canonical),
            "an unknown field" => [.. canonical, 0x78, 0x01], // field 15, varint 1
            _ => WithUnknownKeyField(op),
        };
        Assert.NotEqual(canonical, foreign);

        var pushed = await dispatcher.Sync.PushAsync(Wire.PushRequest.OfEncodedOps([foreign]), dispatcher.Options());

        Assert.Equal(1u, pushed.Stored);
        Assert.Equal([canonical], await PulledOpsAsync(relay, dispatcher.Token));
    }

    [Fact]
    public async Task An_op_pushed_without_an_author_is_stored_under_the_callers_name()
    {
        await using var relay = await TestRelay.StartAsync();
        var dispatcher = await DispatcherWithAStartedLogAsync(relay);
        var unsigned = new Device("board-bytes5", "").CreateOrder("wo-b5", "tom");
        Assert.Equal("", unsigned.Author);

        await dispatcher.Sync.PushAsync(Wire.PushRequest.OfEncodedOps([OpCodec.Encode(unsigned)]), dispatcher.Options());

        var stored = Assert.Single(await PulledOpsAsync(relay, dispatcher.Token));
        var adopted = new Op(unsigned.Dot, unsigned.Hlc, "dina", unsigned.Document, unsigned.Context, unsigned.Mutations);
        Assert.Equal(OpCodec.Encode(adopted), stored);
    }

    [Fact]
    public void The_relay_binds_Push_to_the_request_reader_that_keeps_op_bytes_and_every_other_method_as_generated()
    {
        var binder = new RecordingBinder();
        Crdt.Relay.Services.SyncBinding.BindService(binder, null);

        Assert.Equal(["Push", "Pull", "Subscribe", "Pin", "WhoAmI", "RegisterSigningKey"], binder.Methods.Select(m => m.Name).ToArray());
        var push = Assert.IsType<Method<Wire.PushRequest, Wire.PushResponse>>(binder.Methods[0]);
        Assert.Same(Wire.PushRequest.KeepingOpBytes, push.RequestMarshaller);
        Assert.Equal("/crdtfieldstore.v1.Sync/Push", push.FullName);
        Assert.Same(Crdt.Relay.Services.SyncBinding.Descriptor, Wire.Sync.Descriptor);
    }

    [Fact]
    public async Task The_running_relay_serves_Push_with_the_request_reader_that_keeps_op_bytes()
    {
        await using var relay = await TestRelay.StartAsync();
        var endpoints = relay.Host.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints;

        var push = Assert.Single(endpoints, e => e.Metadata.GetMetadata<Grpc.AspNetCore.Server.GrpcMethodMetadata>()?.Method.FullName == "/crdtfieldstore.v1.Sync/Push");
        var method = Assert.IsType<Method<Wire.PushRequest, Wire.PushResponse>>(push.Metadata.GetMetadata<Grpc.AspNetCore.Server.GrpcMethodMetadata>()!.Method);
        Assert.Same(Wire.PushRequest.KeepingOpBytes, method.RequestMarshaller);
    }

    [Fact]
    public void The_request_reader_keeps_each_ops_bytes_reads_canonical_ones_into_ops_and_parses_the_others()
    {
        var board = new Device("board-bytes6", "dina");
        var created = board.CreateOrder("wo-b6", "tom");
        var canonical = OpCodec.Encode(created);
        var foreign = Reordered(OpCodec.Encode(board.AddHours("wo-b6", "e1", 1m)));
        var payload = Wire.PushRequest.OfEncodedOps([canonical, foreign]).ToByteArray();

        var request = Wire.PushRequest.ParseKeepingOpBytes(new System.Buffers.ReadOnlySequence<byte>(payload));

        Assert.Equal(2, request.OpCount);
        Assert.Empty(request.Ops);
        var (first, second) = (request.ReceivedOps![0], request.ReceivedOps[1]);
        Assert.Equal([canonical, foreign], new[] { first.Bytes, second.Bytes });
        Assert.Null(first.Message);
        Assert.Equal(canonical, OpCodec.Encode(first.Read!));
        Assert.Equal(created.Dot, first.Read!.Dot);
        Assert.Null(second.Read);
        Assert.Equal(Wire.Op.Parser.ParseFrom(foreign), second.Message);
    }

    /// <summary>Kestrel hands a large request over in several buffers: each op is copied out of them as it
    /// lies, whatever the cuts, to the same bytes and the same op as from one buffer.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    public void A_request_in_several_buffers_is_read_as_from_one(int pieceSize)
    {
        var board = new Device("board-bytes8", "dina");
        var encoded = new[] { board.CreateOrder("wo-b8", "tom"), board.AddHours("wo-b8", "e1", 2.5m), board.AddHours("wo-b8", "e2", 1m) }
            .Select(OpCodec.Encode).Append(Reordered(OpCodec.Encode(board.AddHours("wo-b8", "e3", 3m)))).ToArray();
        var payload = Wire.PushRequest.OfEncodedOps(encoded).ToByteArray();

        var request = Wire.PushRequest.ParseKeepingOpBytes(InPieces(payload, pieceSize));

        Assert.Equal(encoded, request.ReceivedOps!.Select(r => r.Bytes).ToArray());
        Assert.Equal(encoded[..3], request.ReceivedOps.Take(3).Select(r => OpCodec.Encode(r.Read!)).ToArray());
        Assert.Equal(Wire.Op.Parser.ParseFrom(encoded[3]), request.ReceivedOps[3].Message);
    }

    private static System.Buffers.ReadOnlySequence<byte> InPieces(byte[] bytes, int size)
    {
        var first = new Piece(bytes.AsMemory(0, Math.Min(size, bytes.Length)), 0);
        var last = first;
        for (var at = size; at < bytes.Length; at += size)
        {
            last = last.Append(bytes.AsMemory(at, Math.Min(size, bytes.Length - at)));
        }
        return new System.Buffers.ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Piece : System.Buffers.ReadOnlySequenceSegment<byte>
    {
        public Piece(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Piece Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Piece(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    [Fact]
    public void A_request_holding_more_than_ops_is_read_by_the_generated_parser_and_its_ops_are_still_checked()
    {
        var board = new Device("board-bytes7", "dina");
        var canonical = OpCodec.Encode(board.CreateOrder("wo-b7", "tom"));
        var withUnknownKey = WithUnknownKeyField(board.AddHours("wo-b7", "e1", 1m));
        byte[] payload = [.. Wire.PushRequest.OfEncodedOps([canonical, withUnknownKey]).ToByteArray(), 0x10, 0x01]; // and field 2, varint 1

        var request = Wire.PushRequest.ParseKeepingOpBytes(new System.Buffers.ReadOnlySequence<byte>(payload));

        Assert.Equal(2, request.OpCount);
        Assert.Empty(request.Ops);
        Assert.Equal(canonical, request.ReceivedOps![0].Bytes);
        Assert.NotNull(request.ReceivedOps[0].Read);
        Assert.Null(request.ReceivedOps[1].Read);
        Assert.NotNull(request.ReceivedOps[1].Message);
        Assert.Throws<InvalidProtocolBufferException>(() => Wire.PushRequest.ParseKeepingOpBytes(new System.Buffers.ReadOnlySequence<byte>([0x0A, 0x05, 0x0A])));
    }

    /// <summary>The op's top-level fields with the first two swapped (dot after hlc): the same op, written otherwise.</summary>
    private static byte[] Reordered(byte[] canonical)
    {
        var input = new CodedInputStream(canonical);
        var fields = new List<(uint Tag, ByteString Body)>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            fields.Add((tag, input.ReadBytes()));
        }
        (fields[0], fields[1]) = (fields[1], fields[0]);
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var (fieldTag, body) in fields)
        {
            output.WriteTag(fieldTag);
            output.WriteBytes(body);
        }
        output.Flush();
        return buffer.ToArray();
    }

    /// <summary>The op as a message whose document key carries a field the contract does not know.</summary>
    private static byte[] WithUnknownKeyField(Op op)
    {
        var message = Wire.CoreMessages.ToMessage(op);
        var key = message.Document.ToByteArray();
        message.Document = Wire.DocumentKey.Parser.ParseFrom([.. key, 0x78, 0x01]);
        return message.ToByteArray();
    }

    /// <summary>Stores a first op: a Pull from cursor 0 sends snapshots, so the ops under test are pulled from cursor 1.</summary>
    private static async Task<RelayClient> DispatcherWithAStartedLogAsync(TestRelay relay)
    {
        var dispatcher = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var first = OpCodec.Encode(new Device("board-first", "dina").CreateCustomer("c-first"));
        await dispatcher.Sync.PushAsync(Wire.PushRequest.OfEncodedOps([first]), dispatcher.Options());
        return dispatcher;
    }

    /// <summary>The op items of a Pull from cursor 1 (after the first op), as the bytes on the wire.</summary>
    private static async Task<List<byte[]>> PulledOpsAsync(TestRelay relay, string token)
    {
        var raw = await RawGrpc.SendAsync(relay.Host.Address, "/crdtfieldstore.v1.Sync/Pull",
            RawGrpc.Frame(new Wire.PullRequest { Cursor = 1 }.ToByteArray()), token);
        Assert.Equal("0", raw.GrpcStatus);
        var ops = new List<byte[]>();
        foreach (var frame in Frames(raw.Body))
        {
            var input = new CodedInputStream(frame);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == Wire.PullResponse.OpFieldNumber)
                {
                    ops.Add(input.ReadBytes().ToByteArray());
                }
                else
                {
                    input.SkipLastField();
                }
            }
        }
        return ops;
    }

    private sealed class RecordingBinder : ServiceBinderBase
    {
        public List<IMethod> Methods { get; } = [];

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add(method);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            Methods.Add(method);
    }

    private static List<byte[]> Frames(byte[] body)
    {
        var frames = new List<byte[]>();
        for (var at = 0; at < body.Length;)
        {
            var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at + 1));
            frames.Add(body.AsSpan(at + 5, length).ToArray());
            at += 5 + length;
        }
        return frames;
    }
}
