using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Sync;

/// <summary>
/// Guards the shared fan-out item: PullResponse.OfEncodedOp (the op's stored bytes carried as they
/// are, one instance written to every stream) serializes
/// byte for byte what encoding the message gives, for ops of any size (the length prefix grows
/// past one and two bytes at 128 and 16,384), so subscribers parse exactly the op that was stored.
/// </summary>
public sealed class StreamItemEncodingTests
{
    /// <summary>An op of <paramref name="mutations"/> field sets, its size growing with them (also used by PreEncodedStreamItemTests).</summary>
    internal static Wire.Op OpWith(string author, int mutations)
    {
        var op = new Wire.Op
        {
            Dot = new Wire.Dot { Replica = "replica-a", Seq = 42 },
            Author = author,
            Document = new Wire.DocumentKey { Collection = "WorkOrder", Id = "wo-1" },
        };
        for (var i = 0; i < mutations; i++)
        {
            op.Mutations.Add(new Wire.Mutation { SetField = new Wire.SetField { Field = $"f{i}", Value = new Wire.FieldValue { StringValue = author } } });
        }
        return op;
    }

    [Fact]
    public void The_encoding_from_stored_bytes_equals_encoding_the_message_for_any_op_size()
    {
        Prop.ForAll(
            Gen.Elements("", "ann", "technician with a long name").ToArbitrary(),
            Gen.Choose(0, 300).ToArbitrary(),
            (author, mutations) =>
            {
                var op = OpWith(author, mutations);
                var expected = new Wire.PullResponse { Op = op }.ToByteArray();
                var built = Wire.PullResponse.OfEncodedOp(op.ToByteArray()).ToByteArray();
                return built.AsSpan().SequenceEqual(expected) && Wire.PullResponse.Parser.ParseFrom(built).Op.Equals(op);
            }).QuickCheckThrowOnFailure();
    }
}
