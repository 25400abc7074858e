using Crdt.Core.Codec;


namespace Crdt.Core.Tests;

/// <summary>Guards against a sequence gap near 2^63 (a pushed op with a huge dot) making every snapshot
/// of its document fail (IndexOutOfRangeException in RiceCode.Encode; found by the relay fuzzer).</summary>
public sealed class RiceCodeHugeGapTests
{
    [Fact]
    public void A_huge_gap_is_reported_unusable_so_the_encoder_keeps_plain_varints()
    {
        var (_, bytes) = RiceCode.Best([1UL, 2, long.MaxValue, 3]);
        Assert.Equal(RiceCode.Unusable, bytes);
    }

    [Fact]
    public void A_document_with_a_dot_near_two_to_the_63_still_makes_a_snapshot_that_reads_back()
    {
        var set = new DocumentSet(SchemaRegistry.CreateDefault());
        var key = new DocumentKey(CustomerFields.Collection, "C1");
        var replica = new ReplicaId("dev-a");
        foreach (var seq in new[] { 1L, 2L, long.MaxValue - 1 })
        {
            set.Apply(new Op(new Dot(replica, seq), new Hlc(1_700_000_000_000 + seq % 1000, 0, replica), "a", key, new VersionVector(),
                [new SetField(CustomerFields.Name, FieldValue.String($"n{seq}"))]));
        }
        var copy = new DocumentSet(SchemaRegistry.CreateDefault());
        copy.MergeSnapshot(set.EncodeSnapshot(key));
        Assert.Equal(set.View(key).ToJson(true), copy.View(key).ToJson(true));
    }
}
