using Crdt.Core.Codec;
using FsCheck;
using FsCheck.Fluent;

namespace Crdt.Core.Tests;

/// <summary>
/// The relay reads a pushed op's canonical bytes straight into a Core op (<see cref="CanonicalOpForm.TryRead"/>,
/// issue 11) instead of parsing a message and converting it (<see cref="OpCodec.Decode"/>). Whatever it
/// reads must be exactly the op the decoder gives, and whatever it does not read is left to the decoder,
/// which then accepts another encoding or words the refusal.
/// </summary>
public sealed class CanonicalOpReadTests
{
    [Fact]
    public void Encoded_ops_read_straight_are_the_ops_the_decoder_gives()
    {
        AssertReadAsDecoded(OpCodec.Encode(OpCodecTests.EveryKindOfOp()));
        Prop.ForAll(Arb.From(CanonicalOpFormTests.Ops()), op => AssertReadAsDecoded(OpCodec.Encode(op)))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(2000).WithQuietOnSuccess(true));
    }

    [Fact]
    public void Ops_read_as_one_batch_sharing_their_repeated_texts_are_the_ops_the_decoder_gives()
    {
        // Two ops of one device on one document: the second takes the first one's strings.
        var texts = new RepeatedTexts();
        var tablet = new ReplicaId("tablet-7");
        var order = new DocumentKey(WorkOrderFields.Collection, "wo-42");
        Op Edit(long seq, string title) => new(new Dot(tablet, seq), new Hlc(1_767_000_000_000 + seq, 0, tablet), "Alex Tech", order, VersionVector.Empty,
            [new SetField(WorkOrderFields.Title, FieldValue.String(title))]);
        var first = CanonicalOpForm.TryRead(OpCodec.Encode(Edit(1, "one")), texts)!;
        var second = CanonicalOpForm.TryRead(OpCodec.Encode(Edit(2, "two")), texts)!;
        Assert.Same(first.Dot.Replica.Value, second.Dot.Replica.Value);
        Assert.Same(first.Author, second.Author);
        Assert.Same(first.Document.Collection, second.Document.Collection);
        Assert.Same(first.Document.Id, second.Document.Id);
        Assert.Same(((SetField)first.Mutations[0]).Field, ((SetField)second.Mutations[0]).Field);
        // One table for the whole run: texts met before are found again, slots that collide are replaced.
        Prop.ForAll(Arb.From(CanonicalOpFormTests.Ops()), op =>
        {
            var bytes = OpCodec.Encode(op);
            var direct = CanonicalOpForm.TryRead(bytes, texts);
            Assert.NotNull(direct);
            AssertSameOp(OpCodec.Decode(bytes), direct);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000).WithQuietOnSuccess(true));
    }

    [Fact]
    public void Changed_bytes_are_read_only_as_the_decoder_reads_them_and_refused_whenever_it_refuses_them()
    {
        // Encodings changed at random (a byte replaced, inserted or removed): most no longer decode, and the reader
        // must give nothing for those; what it reads, the decoder reads as the same op; and what the decoder reads
        // and the encoder writes back the same, the reader reads too (but names that sort differently in UTF-8 and
        // UTF-16, told by a byte from 0xEE, which it leaves to the decoder).
        var changed = CanonicalOpFormTests.ChangedEncodings();
        var (read, refusedByBoth) = (0, 0);
        // Read as one batch: texts of bytes refused later in an op must not be taken for valid ones.
        var texts = new RepeatedTexts();
        Prop.ForAll(Arb.From(changed), bytes =>
        {
            var direct = CanonicalOpForm.TryRead(bytes, texts);
            var decoded = TryDecode(bytes);
            if (direct is not null)
            {
                read++;
                Assert.True(decoded is not null, "read an op the decoder refuses: " + Convert.ToHexString(bytes));
                AssertSameOp(decoded!, direct);
                Assert.Equal(bytes, OpCodec.Encode(direct));
            }
            else if (decoded is null)
            {
                refusedByBoth++;
            }
            else if (!bytes.Any(b => b >= 0xEE))
            {
                Assert.False(OpCodec.Encode(decoded).AsSpan().SequenceEqual(bytes), "left a canonical op to the decoder: " + Convert.ToHexString(bytes));
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(20_000).WithQuietOnSuccess(true));
        Assert.True(read > 100 && refusedByBoth > 100, $"read {read}, refused by both {refusedByBoth}: the property was not exercised");
    }

    /// <summary>Found by the property above: a last mutation tag with nothing after it (a truncated op) was
    /// read, because the count of mutations stopped there with its cursor at the end of the bytes.</summary>
    [Fact]
    public void An_op_cut_after_a_tag_is_not_read()
    {
        var bytes = OpCodec.Encode(OpCodecTests.EveryKindOfOp());
        byte[] cut = [.. bytes, 0x32]; // field 6 (a mutation), length-delimited, and no length

        Assert.NotNull(CanonicalOpForm.TryRead(bytes));
        Assert.Null(TryDecode(cut));
        Assert.Null(CanonicalOpForm.TryRead(cut));
    }

    [Theory]
    [InlineData("an invalid replica id")]
    [InlineData("a counter above the largest")]
    [InlineData("an empty field name")]
    [InlineData("a timestamp past year 9999")]
    [InlineData("an unknown resolution")]
    [InlineData("an over-long element id")]
    public void Canonically_written_ops_the_decoder_refuses_are_not_read(string what)
    {
        var replica = new ReplicaId("tablet-7");
        var order = new DocumentKey(WorkOrderFields.Collection, "wo-1");
        var message = OpCodec.ToMessage(new Op(new Dot(replica, 3), new Hlc(1_767_000_000_000, 1, replica), "Alex", order, VersionVector.Empty,
            [new SetField("f", FieldValue.Integer(1)), new RemoveElement("s", "e"), new ResolveFlag("ce-1", Resolution.Accept)]));
        message.Context = null;
        // Unchanged, the op is read: what follows changes only what is named.
        Assert.NotNull(CanonicalOpForm.TryRead(Google.Protobuf.MessageExtensions.ToByteArray(message)));
        switch (what)
        {
            case "an invalid replica id": message.Dot.Replica = "tablet 7"; break;
            case "a counter above the largest": message.Hlc.Counter = Hlc.MaxCounter + 1; break;
            case "an empty field name": message.Mutations[0].SetField.Field = ""; break;
            case "a timestamp past year 9999": message.Mutations[0].SetField.Value = new Wire.FieldValue { TimestampMs = 253402300800000 }; break;
            case "an unknown resolution": message.Mutations[2].ResolveFlag.Resolution = (Wire.Resolution)5; break;
            case "an over-long element id": message.Mutations[1].RemoveElement.ElementId = new string('e', DocumentKey.MaxLength + 1); break;
            default: throw new ArgumentOutOfRangeException(nameof(what));
        }
        var bytes = Google.Protobuf.MessageExtensions.ToByteArray(message);

        Assert.Null(TryDecode(bytes));
        Assert.Null(CanonicalOpForm.TryRead(bytes));
    }

    private static void AssertReadAsDecoded(byte[] bytes)
    {
        var direct = CanonicalOpForm.TryRead(bytes);
        Assert.NotNull(direct);
        AssertSameOp(OpCodec.Decode(bytes), direct);
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

    /// <summary>Field by field, element values in their order and the dictionary's comparer included
    /// (decimals compare by value, so the scale is held to by the encodings).</summary>
    private static void AssertSameOp(Op expected, Op actual)
    {
        Assert.Equal(expected.Dot, actual.Dot);
        Assert.Equal(expected.Hlc, actual.Hlc);
        Assert.Equal(expected.Author, actual.Author);
        Assert.Equal(expected.Document, actual.Document);
        Assert.Equal(expected.Context, actual.Context);
        Assert.True(actual.Context.IsFrozen);
        Assert.Equal(expected.Mutations.Count, actual.Mutations.Count);
        for (var i = 0; i < expected.Mutations.Count; i++)
        {
            if (expected.Mutations[i] is AddElement add)
            {
                var other = Assert.IsType<AddElement>(actual.Mutations[i]);
                Assert.Equal((add.Field, add.ElementId), (other.Field, other.ElementId));
                Assert.Equal(add.Values.ToList(), other.Values.ToList());
                Assert.Same(StringComparer.Ordinal, Assert.IsType<Dictionary<string, FieldValue>>(other.Values).Comparer);
            }
            else
            {
                Assert.Equal(expected.Mutations[i], actual.Mutations[i]);
            }
        }
        Assert.Equal(OpCodec.Encode(expected), OpCodec.Encode(actual));
    }
}
