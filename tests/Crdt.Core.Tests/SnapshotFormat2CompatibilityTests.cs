namespace Crdt.Core.Tests;

/// <summary>
/// Snapshots written by the format-2 encoder (op references, packed stamps, inline values, record
/// columns; before issue 18 moved top-level writes and single-add elements into columns and strings
/// into a pool) must still merge into the same state: replicas and relays hold them on disk.
/// The hex fixtures were written by that encoder (commit ce29296) for
/// <see cref="SnapshotFormatCompatibilityTests.Scenario"/>.
/// </summary>
public sealed class SnapshotFormat2CompatibilityTests
{
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-compat");

    private const string Format2Full =
        "0a09576f726b4f726465721209776f2d636f6d7061742a0a120201012801300140012a0d120103280130013a02020240012a0e12020101280130023a" +
        "02010240022a0d120103280130023a02010340022a0d120101280130033a02010140032a0f120102280330033a04010302034003320a38014a046f70" +
        "656e6001320a28014a0470756d706003321038044080a61d4a0670756d7020416003321038074087b5184a0670756d70204260033a1c12026e313803" +
        "4006480d508188275830620a63616c6c2066697273743a1b120270313802480c502b582c6205736b752d39782e8001068801013a2512037465312a0c" +
        "3805408097224a02626f60123802480b502b582662016e68227203312e3542250a1363652d646137613834626632613639653134611204080210021a" +
        "0608a08d06100220014a0272314a0272324a0272335207746563682d72315207746563682d72325207746563682d723358808ca1cbb6336003";

    // The delta for a peer holding only r1:1.
    private const string Format2DeltaAfterR1Seq1 =
        "0a09576f726b4f726465721209776f2d636f6d7061742a091201022801300140012a0d120103280130013a02020240012a0e12020101280130023a02" +
        "010240022a0d120103280130023a02010340022a0d120101280130033a02010140032a0f120102280330033a040103020340033210380340d8a51d4a" +
        "0670756d70204160033210380640dfb4184a0670756d70204260033a1c12026e3138024005480d50d987275830620a63616c6c2066697273743a1b12" +
        "0270313801480c5003582c6205736b752d39782e8001068801013a2512037465312a0c380440d896224a02626f60123801480b5003582662016e6822" +
        "7203312e3542250a1363652d646137613834626632613639653134611204080210021a06089b8d06100220014a0272314a0272324a02723352077465" +
        "63682d72315207746563682d72325207746563682d723358858ca1cbb6336003";

    [Fact]
    public void A_format_2_full_snapshot_still_merges_into_the_same_state_and_re_encodes_in_the_current_form()
    {
        var expected = SnapshotFormatCompatibilityTests.Scenario();
        var loaded = new DocumentSet(SchemaRegistry.CreateDefault());
        Assert.True(loaded.MergeSnapshot(Convert.FromHexString(Format2Full)));
        AssertSameDocument(expected, loaded);
        Assert.False(loaded.MergeSnapshot(Convert.FromHexString(Format2Full)));
        var current = loaded.EncodeSnapshot(Order);
        Assert.NotEmpty(Crdt.Core.Wire.DocumentSnapshot.Parser.ParseFrom(current).StringLengths);   // written in the current form
        var copy = new DocumentSet(SchemaRegistry.CreateDefault());
        copy.MergeSnapshot(current);
        AssertSameDocument(expected, copy);
    }

    [Fact]
    public void A_format_2_delta_brings_a_peer_level_and_mixes_with_the_current_form_in_either_order()
    {
        var expected = SnapshotFormatCompatibilityTests.Scenario();
        var r1 = new ReplicaId("r1");
        var peer = new DocumentSet(SchemaRegistry.CreateDefault());
        peer.Apply(new Op(new Dot(r1, 1), new Hlc(1_767_000_000_000, 0, r1), "tech-r1", Order, VersionVector.Empty,
            [new SetField(WorkOrderFields.Status, FieldValue.String("open")), new SetField(WorkOrderFields.Title, FieldValue.String("pump"))]));
        Assert.True(peer.MergeSnapshot(Convert.FromHexString(Format2DeltaAfterR1Seq1)));
        AssertSameDocument(expected, peer);
        var first = new DocumentSet(SchemaRegistry.CreateDefault());
        first.MergeSnapshot(Convert.FromHexString(Format2DeltaAfterR1Seq1));
        first.MergeSnapshot(expected.EncodeSnapshot(Order));
        AssertSameDocument(expected, first);
        var second = new DocumentSet(SchemaRegistry.CreateDefault());
        second.MergeSnapshot(expected.EncodeSnapshot(Order));
        Assert.False(second.MergeSnapshot(Convert.FromHexString(Format2DeltaAfterR1Seq1)));
        AssertSameDocument(expected, second);
    }

    private static void AssertSameDocument(DocumentSet expected, DocumentSet actual)
    {
        Assert.Equal(expected.View(Order).ToJson(includeTotalsAndFlags: true), actual.View(Order).ToJson(includeTotalsAndFlags: true));
        Assert.Equal(expected.VersionOf(Order), actual.VersionOf(Order));
        Assert.Equal(expected.Flags(Order).Select(f => (f.Id, f.State)), actual.Flags(Order).Select(f => (f.Id, f.State)));
    }
}
