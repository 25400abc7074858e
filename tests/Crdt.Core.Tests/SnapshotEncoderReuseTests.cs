using Crdt.Core.Codec;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Tests;

/// <summary>
/// The encoder is reused per thread (its lists and its output buffer): a message handed out by
/// ToSnapshotMessage must keep its content while the thread encodes other documents to bytes.
/// </summary>
public sealed class SnapshotEncoderReuseTests
{
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
}
