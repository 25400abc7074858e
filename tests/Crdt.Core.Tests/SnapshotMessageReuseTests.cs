using Crdt.Core.Codec;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Tests;

/// <summary>
/// EncodeSnapshot and EncodeDelta write through one DocumentSnapshot message per thread, emptied after each
/// use: emptying must reset every field (a field left over would leak into the next document's bytes), and
/// a message handed out by ToSnapshotMessage must never be that reused one.
/// </summary>
public sealed class SnapshotMessageReuseTests
{
    [Fact]
    public void Emptying_a_message_with_every_field_set_leaves_a_new_message()
    {
        var message = new Wire.DocumentSnapshot();
        // Through the descriptor, so that a field added to ops.proto is filled here without anyone listing it.
        foreach (var field in Wire.DocumentSnapshot.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.IsRepeated)
            {
                ((System.Collections.IList)field.Accessor.GetValue(message)).Add(SampleValue(field));
            }
            else
            {
                field.Accessor.SetValue(message, SampleValue(field));
            }
        }
        Assert.NotEqual(new Wire.DocumentSnapshot(), message);

        SnapshotEncoder.Empty(message);

        Assert.Equal(new Wire.DocumentSnapshot(), message);
        Assert.Empty(message.ToByteArray());
    }

    [Fact]
    public void A_message_handed_out_keeps_its_content_while_the_thread_encodes_other_documents_to_bytes()
    {
        var scenario = SnapshotFormatCompatibilityTests.Scenario();
        var key = new DocumentKey(WorkOrderFields.Collection, "wo-compat");
        var message = scenario.ToSnapshotMessage(key);
        var bytes = message.ToByteArray();

        var other = new DocumentSet(SchemaRegistry.CreateDefault());
        var otherKey = new DocumentKey(WorkOrderFields.Collection, "wo-other");
        var replica = new ReplicaId("other-device");
        other.Apply(new Op(new Dot(replica, 1), new Hlc(1_700_000_000_000, 0, replica), "someone", otherKey, VersionVector.Empty,
            [new SetField(WorkOrderFields.Title, FieldValue.String("other"))]));
        for (var i = 0; i < 3; i++)
        {
            other.EncodeSnapshot(otherKey);
            other.EncodeDelta(otherKey, VersionVector.Empty);
        }

        Assert.Equal(bytes, message.ToByteArray());
        Assert.Equal(bytes, scenario.EncodeSnapshot(key));
    }

    private static object SampleValue(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String => "x",
        FieldType.Bytes => ByteString.CopyFromUtf8("x"),
        FieldType.UInt32 => 1u,
        FieldType.UInt64 => 1ul,
        FieldType.Int64 or FieldType.SInt64 => 1L,
        FieldType.Int32 or FieldType.SInt32 => 1,
        FieldType.Bool => true,
        FieldType.Message => Activator.CreateInstance(field.MessageType.ClrType)!,
        _ => throw new NotSupportedException($"DocumentSnapshot.{field.Name}: give this test a sample value of type {field.FieldType}"),
    };
}
