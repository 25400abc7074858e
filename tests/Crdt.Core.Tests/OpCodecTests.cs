using Crdt.Core;
using FsCheck;
using FsCheck.Fluent;

namespace Crdt.Core.Tests;

/// <summary>Guards the trust boundary of op bytes: lossless round trips, and clear OpDecodeExceptions (never crashes) for garbage, truncated or invalid input.</summary>
public sealed class OpCodecTests
{
    private static readonly ReplicaId Tablet = new("tablet-7");
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-42");

    internal static Op EveryKindOfOp() => new(
        new Dot(Tablet, 12),
        new Hlc(1_767_000_000_123, 4, Tablet),
        "Alex Tech",
        Order,
        new VersionVector([new(new ReplicaId("dispatch"), 9), new(new ReplicaId("relay-1"), 100_000)]),
        [
            new SetField(WorkOrderFields.Status, FieldValue.String(WorkOrderStatus.InProgress)),
            new SetField(WorkOrderFields.Description, FieldValue.Null),
            new SetField("count", FieldValue.Integer(-42)),
            new SetField("ok", FieldValue.Bool(true)),
            new SetField(WorkOrderFields.ScheduledStart, FieldValue.TimestampMs(1_767_000_000_000)),
            new SetField(WorkOrderFields.Customer, FieldValue.Reference(new DocumentKey(CustomerFields.Collection, "c-1"))),
            new AddElement(WorkOrderFields.TimeEntries, "te-1", new Dictionary<string, FieldValue>
            {
                [TimeEntryFields.Tech] = FieldValue.String("Alex"),
                [TimeEntryFields.Hours] = FieldValue.Decimal(2.50m),
            }),
            new SetElementField(WorkOrderFields.Signatures, "sig-1", SignatureFields.Signature, FieldValue.Bytes(new byte[] { 0, 1, 2, 255 })),
            new RemoveElement(WorkOrderFields.Notes, "n-3"),
            DeleteDocument.Instance,
            new ResolveFlag("ce-0123456789abcdef", Resolution.KeepTheirs),
        ]);

    [Fact]
    public void Every_mutation_and_value_kind_round_trips()
    {
        var op = EveryKindOfOp();
        var bytes = OpCodec.Encode(op);
        var decoded = OpCodec.Decode(bytes);

        Assert.Equal(op.Dot, decoded.Dot);
        Assert.Equal(op.Hlc, decoded.Hlc);
        Assert.Equal(op.Author, decoded.Author);
        Assert.Equal(op.Document, decoded.Document);
        Assert.Equal(op.Context, decoded.Context);
        Assert.Equal(op.Mutations.Count, decoded.Mutations.Count);
        for (var i = 0; i < op.Mutations.Count; i++)
        {
            if (op.Mutations[i] is AddElement add)
            {
                var back = Assert.IsType<AddElement>(decoded.Mutations[i]);
                Assert.Equal(add.Field, back.Field);
                Assert.Equal(add.ElementId, back.ElementId);
                Assert.Equal(add.Values.OrderBy(v => v.Key), back.Values.OrderBy(v => v.Key));
            }
            else
            {
                Assert.Equal(op.Mutations[i], decoded.Mutations[i]);
            }
        }
        Assert.Equal(2.50m, ((AddElement)decoded.Mutations[6]).Values[TimeEntryFields.Hours].AsDecimal());
        Assert.Equal(bytes, OpCodec.Encode(decoded));
    }

    [Fact]
    public void Random_ops_round_trip_through_bytes_and_messages()
    {
        var gen = from seq in Gen.Choose(1, int.MaxValue)
                  from wall in Gen.Choose(0, int.MaxValue)
                  from counter in Gen.Choose(0, Hlc.MaxCounter)
                  from text in ArbMap.Default.GeneratorFor<string>().Where(s => s is not null)
                  from number in ArbMap.Default.GeneratorFor<long>()
                  from dec in ArbMap.Default.GeneratorFor<decimal>()
                  select new Op(
                      new Dot(Tablet, seq), new Hlc(wall * 1000L, counter, Tablet), text, Order, VersionVector.Empty,
                      [new SetField("a", FieldValue.String(text)), new SetField("b", FieldValue.Integer(number)), new SetField("c", FieldValue.Decimal(dec))]);
        Prop.ForAll(Arb.From(gen), op =>
        {
            var bytes = OpCodec.Encode(op);
            var back = OpCodec.Decode(bytes);
            Assert.Equal(bytes, OpCodec.Encode(back));
            Assert.Equal(op.Mutations, back.Mutations);
            Assert.Equal(bytes, OpCodec.Encode(OpCodec.FromMessage(OpCodec.ToMessage(op))));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000).WithQuietOnSuccess(true));
    }

    private static byte[] GeneratedBytes(Op op)
    {
        var message = OpCodec.ToMessage(op);
        if (op.Context.IsEmpty)
        {
            message.Context = null;
        }
        return Google.Protobuf.MessageExtensions.ToByteArray(message);
    }

    [Fact]
    public void The_direct_writer_writes_what_the_generated_code_writes()
    {
        Assert.Equal(GeneratedBytes(EveryKindOfOp()), OpCodec.Encode(EveryKindOfOp()));
        var values = Gen.Elements(
            FieldValue.Null, FieldValue.String(""), FieldValue.String("ünïcode ✓"), FieldValue.Integer(long.MinValue), FieldValue.Integer(0),
            FieldValue.Decimal(-0.001m), FieldValue.Decimal(79228162514264337593543950335m), FieldValue.Bool(false), FieldValue.Bool(true),
            FieldValue.TimestampMs(-1), FieldValue.TimestampMs(0), FieldValue.Bytes([]), FieldValue.Bytes(new byte[300]),
            FieldValue.Reference(new DocumentKey("Part", new string('x', 200))));
        var mutations = Gen.OneOf(
            values.Select(v => (Mutation)new SetField("f", v)),
            values.Select(v => (Mutation)new SetElementField("s", "e", "g", v)),
            Gen.Zip(values, values).Select(p => (Mutation)new AddElement("s", "e", new Dictionary<string, FieldValue> { ["b"] = p.Item1, ["a"] = p.Item2 })),
            Gen.Constant((Mutation)new RemoveElement("s", "e")),
            Gen.Constant((Mutation)DeleteDocument.Instance),
            Gen.Choose(1, 4).Select(r => (Mutation)new ResolveFlag("ce-1", (Resolution)r)));
        var ops = from seq in Gen.Choose(1, int.MaxValue)
                  from wall in Gen.Choose(0, int.MaxValue)
                  from counter in Gen.Choose(0, Hlc.MaxCounter)
                  from withContext in Gen.Elements(true, false)
                  from list in Gen.NonEmptyListOf(mutations)
                  select new Op(new Dot(Tablet, seq), new Hlc(wall * 997L, counter, Tablet), counter % 2 == 0 ? "" : "Ann", Order,
                      withContext ? new VersionVector([new(new ReplicaId("relay"), seq)]) : VersionVector.Empty, list.ToArray());
        Prop.ForAll(Arb.From(ops), op =>
        {
            Assert.Equal(GeneratedBytes(op), OpCodec.Encode(op));
            Assert.Equal(OpCodec.Encode(op), OpCodec.Encode(OpCodec.Decode(OpCodec.Encode(op))));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000).WithQuietOnSuccess(true));
    }

    [Fact]
    public void Garbage_bytes_give_an_OpDecodeException_and_nothing_else()
    {
        Prop.ForAll(Arb.From(Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))), bytes =>
        {
            try
            {
                OpCodec.Decode(bytes);
                // Random bytes that happen to form a valid op are fine; anything else must be an OpDecodeException.
            }
            catch (OpDecodeException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000).WithQuietOnSuccess(true));
    }

    [Fact]
    public void Every_truncation_of_a_single_mutation_op_is_refused()
    {
        var op = new Op(new Dot(Tablet, 3), new Hlc(1_767_000_000_000, 0, Tablet), "Alex", Order, VersionVector.Empty,
            [new SetField(WorkOrderFields.Status, FieldValue.String(WorkOrderStatus.Completed))]);
        var bytes = OpCodec.Encode(op);
        for (var length = 0; length < bytes.Length; length++)
        {
            var error = Assert.Throws<OpDecodeException>(() => OpCodec.Decode(bytes.AsSpan(0, length)));
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
        }
    }

    [Fact]
    public void A_truncated_multi_mutation_op_is_refused_or_loses_whole_trailing_mutations_only()
    {
        // Protobuf cannot tell a cut exactly between two repeated fields from a shorter message;
        // transports frame ops with their length (gRPC messages, SQLite blobs), so the frame catches that case.
        var op = EveryKindOfOp();
        var bytes = OpCodec.Encode(op);
        for (var length = 0; length < bytes.Length; length++)
        {
            try
            {
                var decoded = OpCodec.Decode(bytes.AsSpan(0, length));
                Assert.True(decoded.Mutations.Count < op.Mutations.Count);
                Assert.Equal(op.Dot, decoded.Dot);
            }
            catch (OpDecodeException)
            {
            }
        }
    }

    [Theory]
    [InlineData(new byte[] { }, "dot is missing")]
    [InlineData(new byte[] { 0x0A, 0x05, 0x0A, 0x01, 0x21, 0x10, 0x01 }, "invalid replica id '!'")]
    [InlineData(new byte[] { 0x0A, 0x03, 0x0A, 0x01, 0x61 }, "sequence 0 is out of range")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF }, "not a valid Op message")]
    public void Decode_errors_say_what_is_wrong(byte[] bytes, string expected)
    {
        var error = Assert.Throws<OpDecodeException>(() => OpCodec.Decode(bytes));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Invalid_parts_of_a_wellformed_message_are_named()
    {
        var message = OpCodec.ToMessage(EveryKindOfOp());
        message.Mutations[0].SetField.Value = new Wire.FieldValue { DecimalValue = "1e5" };
        Assert.Contains("'1e5' is not a decimal number", Assert.Throws<OpDecodeException>(() => OpCodec.FromMessage(message)).Message);

        message = OpCodec.ToMessage(EveryKindOfOp());
        message.Mutations[10].ResolveFlag.Resolution = (Wire.Resolution)9;
        Assert.Contains("resolution 9", Assert.Throws<OpDecodeException>(() => OpCodec.FromMessage(message)).Message);

        message = OpCodec.ToMessage(EveryKindOfOp());
        message.Document.Id = "";
        Assert.Contains("the id is empty", Assert.Throws<OpDecodeException>(() => OpCodec.FromMessage(message)).Message);

        message = OpCodec.ToMessage(EveryKindOfOp());
        message.Mutations.Add(new Wire.Mutation());
        Assert.Contains("mutation 11", Assert.Throws<OpDecodeException>(() => OpCodec.FromMessage(message)).Message);
    }

    [Fact]
    public void Snapshot_garbage_is_refused_and_changes_nothing()
    {
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        documents.Apply(EveryKindOfOp());
        var before = documents.View(Order).ToJson(true);
        Prop.ForAll(Arb.From(Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))), bytes =>
        {
            try
            {
                documents.MergeSnapshot(bytes);
            }
            catch (OpDecodeException)
            {
            }
            Assert.Equal(before, documents.View(Order).ToJson(true));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000).WithQuietOnSuccess(true));

        var snapshot = documents.EncodeSnapshot(Order);
        for (var length = 1; length < snapshot.Length; length += 7)
        {
            var copy = new DocumentSet(SchemaRegistry.CreateDefault());
            try
            {
                copy.MergeSnapshot(snapshot.AsSpan(0, length));
            }
            catch (OpDecodeException)
            {
                Assert.Empty(copy.Keys);
            }
        }
    }
}
