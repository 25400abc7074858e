using Crdt.Core.Codec;
using Google.Protobuf;

namespace Crdt.Core.Tests;

/// <summary>
/// Hand-made encodings at the edges <see cref="CanonicalOpForm.TryRead"/> has to tell apart (issue 11's push
/// path reads pushed bytes with it instead of <see cref="OpCodec.Decode"/>), beside the random byte changes of
/// <see cref="CanonicalOpReadTests"/>: decimal texts, padded and overflowing varints, lengths past the end,
/// repeated fields, invalid UTF-8, duplicate element names, oversized names. Each must be read exactly when the
/// decoder reads it and the encoder writes it back the same, and then as the decoder's op.
/// </summary>
public sealed class CanonicalOpEdgeCaseTests
{
    private static readonly ReplicaId Tablet = new("tablet-7");
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-1");

    /// <summary>The op as its message, written as the writer writes it (which leaves an empty context out).</summary>
    private static Wire.Op Message(params Mutation[] mutations)
    {
        var message = OpCodec.ToMessage(new Op(new Dot(Tablet, 3), new Hlc(1_767_000_000_000, 1, Tablet), "Alex", Order, VersionVector.Empty, mutations));
        message.Context = null;
        return message;
    }

    public static TheoryData<string> DecimalTexts() =>
    [
        "0", "1", "-1", "1.50", "0.0", "-0.25", "123456789012345678901234567.8", "79228162514264337593543950335",
        "-79228162514264337593543950335", "0.0000000000000000000000000001",
        // Not how the writer writes any decimal, or not a decimal at all.
        "-0", "-0.0", "+1", "01", "1.", ".5", "1e5", "1E5", "NaN", "Infinity", " 1", "1 ", "1,5", "",
        "79228162514264337593543950336", "1.00000000000000000000000000001", "0.00000000000000000000000000001", "٣",
    ];

    [Theory]
    [MemberData(nameof(DecimalTexts))]
    public void A_decimal_text_is_read_exactly_when_it_is_the_writers_text_for_the_decimal_it_decodes_to(string text)
    {
        var message = Message(new SetField("hours", FieldValue.Integer(1)));
        message.Mutations[0].SetField.Value = new Wire.FieldValue { DecimalValue = text };

        AssertReadExactlyWhenCanonical(message.ToByteArray());
    }

    [Fact]
    public void The_writers_decimal_texts_are_read()
    {
        foreach (var value in new[] { 0m, 1.50m, -0.25m, decimal.MaxValue, decimal.MinValue, 1e-28m, 0.000m, -1.0m, 12345.6789m })
        {
            var bytes = OpCodec.Encode(new Op(new Dot(Tablet, 3), new Hlc(1_767_000_000_000, 1, Tablet), "Alex", Order, VersionVector.Empty,
                [new SetField("hours", FieldValue.Decimal(value))]));

            Assert.NotNull(CanonicalOpForm.TryRead(bytes));
            AssertReadExactlyWhenCanonical(bytes);
        }
    }

    [Fact]
    public void A_padded_varint_is_not_read_though_the_decoder_reads_the_same_op()
    {
        var bytes = OpCodec.Encode(OpCodec.Decode(Message(new SetField("f", FieldValue.Integer(1))).ToByteArray()));
        // The dot is the first field: 0A len 0A len(replica) replica 10 seq. Its seq (3) padded to two bytes.
        var dotLength = bytes[1];
        var seqAt = 2 + dotLength - 1;
        Assert.Equal(3, bytes[seqAt]);
        byte[] padded = [bytes[0], (byte)(dotLength + 1), .. bytes[2..seqAt], 0x83, 0x00, .. bytes[(seqAt + 1)..]];

        Assert.Equal(OpCodec.Decode(bytes).Dot, OpCodec.Decode(padded).Dot);
        Assert.Null(CanonicalOpForm.TryRead(padded));
        AssertReadExactlyWhenCanonical(padded);
    }

    [Theory]
    [InlineData(10, 0x01)] // ten bytes, the last holding bit 63 only: a seq past long.MaxValue
    [InlineData(10, 0x02)] // ten bytes, the last holding more than 64 bits
    [InlineData(11, 0x01)] // eleven bytes
    public void An_overflowing_sequence_varint_is_never_read(int length, byte last)
    {
        var bytes = OpCodec.Encode(OpCodec.Decode(Message(new SetField("f", FieldValue.Integer(1))).ToByteArray()));
        var dotLength = bytes[1];
        var seqAt = 2 + dotLength - 1;
        var varint = Enumerable.Repeat((byte)0xFF, length - 1).Append(last).ToArray();
        byte[] changed = [bytes[0], (byte)(dotLength - 1 + length), .. bytes[2..seqAt], .. varint, .. bytes[(seqAt + 1)..]];

        Assert.Null(CanonicalOpForm.TryRead(changed));
        AssertReadExactlyWhenCanonical(changed);
    }

    [Fact]
    public void An_op_cut_anywhere_is_read_exactly_when_the_decoder_reads_it()
    {
        // A cut inside a field leaves a length past the end (refused by both); a cut between two mutations
        // leaves a valid op of fewer mutations, which protobuf cannot tell from one written so.
        var bytes = OpCodec.Encode(OpCodecTests.EveryKindOfOp());
        var refused = 0;
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var shorter = bytes[..cut];

            AssertReadExactlyWhenCanonical(shorter);
            refused += CanonicalOpForm.TryRead(shorter) is null ? 1 : 0;
        }
        Assert.InRange(refused, bytes.Length - 1 - OpCodecTests.EveryKindOfOp().Mutations.Count, bytes.Length - 1);
    }

    [Fact]
    public void A_field_written_twice_is_not_read()
    {
        var message = Message(new SetField("f", FieldValue.Integer(1)));
        var bytes = message.ToByteArray();
        // The author (field 3) again at the end: protobuf takes the last, the writer writes one.
        byte[] twice = [.. bytes, 0x1A, 0x03, (byte)'B', (byte)'e', (byte)'n'];
        // The document key (field 4) again: protobuf merges the two messages.
        byte[] keyTwice = [.. bytes, 0x22, 0x04, 0x12, 0x02, (byte)'w', (byte)'x'];

        Assert.Null(CanonicalOpForm.TryRead(twice));
        Assert.Null(CanonicalOpForm.TryRead(keyTwice));
        AssertReadExactlyWhenCanonical(twice);
        AssertReadExactlyWhenCanonical(keyTwice);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })] // a lead byte without its continuation
    [InlineData(new byte[] { 0xC0, 0xAF })] // an overlong '/'
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // a UTF-16 surrogate
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })] // above U+10FFFF
    [InlineData(new byte[] { 0xFF })]
    public void Invalid_utf8_in_any_text_is_never_read(byte[] invalid)
    {
        var texts = new RepeatedTexts();
        foreach (var where in new[] { "author", "collection", "field", "value", "element name" })
        {
            var message = Message(new SetField("f", FieldValue.String("ok")),
                new AddElement(WorkOrderFields.TimeEntries, "e1", new Dictionary<string, FieldValue> { ["hours"] = FieldValue.Integer(2) }));
            switch (where)
            {
                case "author": message.Author = "\u0001"; break;
                case "collection": message.Document.Collection = "\u0001"; break;
                case "field": message.Mutations[0].SetField.Field = "\u0001"; break;
                case "value": message.Mutations[0].SetField.Value.StringValue = "\u0001"; break;
                default: message.Mutations[1].AddElement.Values[0].Field = "\u0001"; break;
            }
            // The placeholder text (one byte, 0x01) swapped for the invalid bytes, its length byte adjusted.
            var bytes = Replace(message.ToByteArray(), invalid);
            // The same swap to valid text of that length gives an op that is read: only the bytes' validity differs.
            var validBytes = Replace(message.ToByteArray(), [.. Enumerable.Repeat((byte)'x', invalid.Length)]);
            Assert.True(CanonicalOpForm.TryRead(validBytes) is not null, where);

            Assert.Null(CanonicalOpForm.TryRead(bytes));
            Assert.Null(CanonicalOpForm.TryRead(bytes, texts));
            AssertReadExactlyWhenCanonical(bytes);
        }
    }

    [Fact]
    public void Element_values_named_twice_are_refused_by_both()
    {
        var message = Message(new AddElement(WorkOrderFields.TimeEntries, "e1",
            new Dictionary<string, FieldValue> { ["hours"] = FieldValue.Integer(2), ["note"] = FieldValue.String("x") }));
        message.Mutations[0].AddElement.Values[1].Field = "hours";
        var bytes = message.ToByteArray();

        Assert.Null(CanonicalOpForm.TryRead(bytes));
        Assert.Throws<OpDecodeException>(() => OpCodec.Decode(bytes));
    }

    [Fact]
    public void Element_values_out_of_order_are_not_read_though_the_decoder_reads_them()
    {
        var message = Message(new AddElement(WorkOrderFields.TimeEntries, "e1",
            new Dictionary<string, FieldValue> { ["hours"] = FieldValue.Integer(2), ["note"] = FieldValue.String("x") }));
        var values = message.Mutations[0].AddElement.Values;
        (values[0], values[1]) = (values[1].Clone(), values[0].Clone());
        var bytes = message.ToByteArray();

        Assert.Null(CanonicalOpForm.TryRead(bytes));
        Assert.Equal(2, ((AddElement)OpCodec.Decode(bytes).Mutations[0]).Values.Count);
        AssertReadExactlyWhenCanonical(bytes);
    }

    [Theory]
    [InlineData("author")]
    [InlineData("context replica")]
    [InlineData("document id")]
    [InlineData("element name")]
    [InlineData("flag id")]
    public void Texts_at_and_over_their_limits_are_read_exactly_as_the_decoder_reads_them(string where)
    {
        foreach (var length in new[] { DocumentKey.MaxLength, DocumentKey.MaxLength + 1, ReplicaId.MaxLength, ReplicaId.MaxLength + 1, 20_000 })
        {
            var message = Message(new ResolveFlag("ce-1", Resolution.Accept),
                new AddElement(WorkOrderFields.TimeEntries, "e1", new Dictionary<string, FieldValue> { ["hours"] = FieldValue.Integer(2) }));
            var text = new string('x', length);
            switch (where)
            {
                case "author": message.Author = text; break;
                case "context replica": message.Context = new Wire.VersionVector { Entries = { new Wire.VersionEntry { Replica = text, Seq = 1 } } }; break;
                case "document id": message.Document.Id = text; break;
                case "element name": message.Mutations[1].AddElement.Values[0].Field = text; break;
                default: message.Mutations[0].ResolveFlag.FlagId = text; break;
            }

            AssertReadExactlyWhenCanonical(message.ToByteArray());
        }
    }

    [Fact]
    public void A_context_with_a_zero_sequence_or_a_replica_twice_is_refused_by_both()
    {
        var zero = Message(new SetField("f", FieldValue.Integer(1)));
        zero.Context = new Wire.VersionVector { Entries = { new Wire.VersionEntry { Replica = "a", Seq = 0 } } };
        var twice = Message(new SetField("f", FieldValue.Integer(1)));
        twice.Context = new Wire.VersionVector { Entries = { new Wire.VersionEntry { Replica = "a", Seq = 1 }, new Wire.VersionEntry { Replica = "a", Seq = 2 } } };

        foreach (var bytes in new[] { zero.ToByteArray(), twice.ToByteArray() })
        {
            Assert.Null(CanonicalOpForm.TryRead(bytes));
            Assert.Throws<OpDecodeException>(() => OpCodec.Decode(bytes));
        }
    }

    /// <summary>The one-byte placeholder text 0x01 (with its length byte 0x01 before it) replaced by <paramref name="with"/>.</summary>
    private static byte[] Replace(byte[] bytes, byte[] with)
    {
        var at = bytes.AsSpan().IndexOf([(byte)0x01, (byte)0x01]);
        Assert.True(at > 0);
        // The enclosing messages' lengths grow too: rebuilt by re-encoding through the parsed message would undo the
        // change, so only placeholders whose enclosing lengths are fixed up here are used (see the callers).
        var grown = with.Length - 1;
        var result = new List<byte>(bytes.Length + grown);
        result.AddRange(bytes[..at]);
        result.Add((byte)with.Length);
        result.AddRange(with);
        result.AddRange(bytes[(at + 2)..]);
        return FixLengths(bytes, at, grown, [.. result]);
    }

    /// <summary>Adds <paramref name="grown"/> to the length of every length-delimited field of the op that encloses
    /// offset <paramref name="at"/> of the original <paramref name="original"/> (one-byte lengths, as in these small ops).</summary>
    private static byte[] FixLengths(byte[] original, int at, int grown, byte[] changed)
    {
        var enclosing = new List<int>();
        Enclosing(original, 0, original.Length, at, enclosing);
        foreach (var lengthAt in enclosing)
        {
            Assert.True(changed[lengthAt] + grown < 0x80);
            changed[lengthAt] = (byte)(changed[lengthAt] + grown);
        }
        return changed;
    }

    /// <summary>The offsets of the length bytes of the length-delimited fields (parsed as messages where they parse) that contain <paramref name="at"/>.</summary>
    private static void Enclosing(byte[] bytes, int start, int end, int at, List<int> found)
    {
        var i = start;
        while (i < end)
        {
            var tag = bytes[i++];
            if ((tag & 7) == 0)
            {
                while (bytes[i++] >= 0x80)
                {
                }
                continue;
            }
            var lengthAt = i;
            int length = bytes[i++];
            if (at >= i && at < i + length)
            {
                found.Add(lengthAt);
                if (at > i)
                {
                    Enclosing(bytes, i, i + length, at, found);
                }
                return;
            }
            i += length;
        }
    }

    private static Op? TryDecode(byte[] bytes)
    {
        try
        {
            return OpCodec.Decode(bytes);
        }
        catch (OpDecodeException)
        {
            return null;
        }
    }

    /// <summary>Read when, and only when, the decoder reads the bytes and the encoder writes its op back as them;
    /// and then as the decoder's op.</summary>
    private static void AssertReadExactlyWhenCanonical(byte[] bytes)
    {
        var read = CanonicalOpForm.TryRead(bytes);
        var decoded = TryDecode(bytes);
        var canonical = decoded is not null && OpCodec.Encode(decoded).AsSpan().SequenceEqual(bytes);
        Assert.True(canonical == read is not null, $"canonical {canonical}, read {read is not null}: {Convert.ToHexString(bytes)}");
        if (read is not null)
        {
            Assert.Equal(bytes, OpCodec.Encode(read));
            Assert.Equal(OpCodec.Encode(decoded!), OpCodec.Encode(read));
            Assert.Equal(decoded!.Dot, read.Dot);
            Assert.Equal(decoded.Author, read.Author);
            Assert.Equal(decoded.Document, read.Document);
            Assert.Equal(decoded.Context, read.Context);
        }
    }
}
