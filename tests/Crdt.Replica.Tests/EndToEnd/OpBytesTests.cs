using Crdt.Core;
using Crdt.Relay.Storage.Sqlite;
using Crdt.Replica.Tests.Infrastructure;
using Crdt.Replica.Internal.Sync;
using Crdt.Replica.Internal.Transport;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// Guards that a replica pushes its outbox rows as they are, over Grpc.Net.Client to a real relay
/// process: the relay stores, byte for byte, what the editing device stored when the edit was made,
/// and a receiving device stores, byte for byte, what the relay stored.
/// </summary>
public sealed class OpBytesTests(RelayFixture relay) : IClassFixture<RelayFixture>
{
    [Fact]
    public async Task The_relay_stores_the_bytes_the_editing_device_stored()
    {
        await using var origin = await relay.DeviceAsync("dispatch");
        await origin.Create(WorkOrderFields.Collection, "WO-BYTES")
            .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled)
            .Set(WorkOrderFields.Title, "Bytes once")
            .Set(WorkOrderFields.Assignee, "ana")
            .SaveAsync();
        await origin.EditWorkOrder("WO-BYTES").Set(WorkOrderFields.Description, "encoded when edited").SaveAsync();
        await origin.SyncAsync();

        var made = origin.Store.AllOps().Where(op => op.Replica == origin.Id.Value).ToDictionary(op => (op.Replica, op.Seq), op => op.Bytes);
        var stored = await RelayPayloadsAsync(origin.Id.Value);

        Assert.Equal(2, made.Count);
        Assert.Equal(made.Keys.Order(), stored.Keys.Order());
        foreach (var (dot, bytes) in made) Assert.Equal(bytes, stored[dot]);
    }

    [Fact]
    public async Task The_receiving_device_stores_the_bytes_the_relay_stored()
    {
        await using var origin = await relay.DeviceAsync("dispatch");
        await origin.Create(WorkOrderFields.Collection, "WO-RECEIVED")
            .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled)
            .Set(WorkOrderFields.Title, "Stored as received")
            .Set(WorkOrderFields.Assignee, "ana")
            .SaveAsync();
        await origin.SyncAsync();
        await using var receiver = await relay.DeviceAsync("ana");
        await receiver.SyncAsync();
        await origin.EditWorkOrder("WO-RECEIVED").Set(WorkOrderFields.Description, "sent as an op").SaveAsync();
        await origin.SyncAsync();

        await receiver.SyncAsync();

        var relayStored = await RelayPayloadsAsync(origin.Id.Value);
        var received = receiver.Store.AllOps().Where(op => op.Replica == origin.Id.Value).ToList();
        Assert.NotEmpty(received);
        foreach (var op in received) Assert.Equal(relayStored[(op.Replica, op.Seq)], op.Bytes);
        Assert.Equal("sent as an op", receiver.GetWorkOrder("WO-RECEIVED")?.Description);
    }

    [Fact]
    public async Task An_op_read_off_the_wire_is_stored_as_those_bytes_not_as_an_encoding_of_its_own()
    {
        // The relay sends ops as OpCodec.Encode wrote them, so re-encoding them gives the same
        // bytes; a valid form Encode would not write (the dot field last) tells the two apart.
        using var dir = new TempDirectory();
        await using var author = await DeviceReplica.OpenAsync(dir.File("author.db"));
        await author.Create(WorkOrderFields.Collection, "WO-WIRE").Set(WorkOrderFields.Status, WorkOrderStatus.Open).Set(WorkOrderFields.Title, "Off the wire").SaveAsync();
        var message = Wire.Op.Parser.ParseFrom(Assert.Single(author.Store.AllOps()).Bytes);
        var dot = message.Dot;
        message.Dot = null;
        byte[] sent = [.. message.ToByteArray(), .. new Wire.Op { Dot = dot }.ToByteArray()];
        Assert.NotEqual(OpCodec.Encode(OpCodec.Decode(sent)), sent);
        var frame = Wire.PullResponse.OfEncodedOp(sent).ToByteArray();
        await using var receiver = await DeviceReplica.OpenAsync(dir.File("receiver.db"));

        var item = OpBytesKeepingInvoker.KeepingOpBytes.ContextualDeserializer(new ReceivedFrame(frame));
        var batch = new ReceivedBatch();
        batch.Add(item);
        await receiver.ApplyReceivedAsync(batch, user: null, cursor: null, CancellationToken.None);

        Assert.Equal(sent, Assert.Single(receiver.Store.AllOps()).Bytes);
        Assert.Equal("Off the wire", receiver.GetWorkOrder("WO-WIRE")?.Title);
    }

    /// <summary>One received message as Grpc.Net.Client hands it to a response reader.</summary>
    private sealed class ReceivedFrame(byte[] payload) : Grpc.Core.DeserializationContext
    {
        public override int PayloadLength => payload.Length;

        public override byte[] PayloadAsNewBuffer() => payload.ToArray();

        public override System.Buffers.ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload);
    }

    private async Task<Dictionary<(string, long), byte[]>> RelayPayloadsAsync(string replica)
    {
        await using var store = SqliteRelayStore.Open(relay.DataDirectory);
        var payloads = new Dictionary<(string, long), byte[]>();
        long after = 0;
        while (true)
        {
            var entries = await store.ReadLogAsync("default", after, 10_000);
            if (entries.Count == 0) return payloads;
            foreach (var entry in entries.Where(e => e.Replica == replica)) payloads[(entry.Replica, entry.Sequence)] = entry.Payload;
            after = entries[^1].Position;
        }
    }
}
