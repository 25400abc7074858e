using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Transport;

/// <summary>
/// Guards that an op has one byte form from edit to every device: the bytes OpCodec.Encode made
/// are pushed as they are (<see cref="Wire.PushRequest.OfEncodedOps"/>), stored by the relay as
/// they are, and sent to pulling devices as they are.
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
