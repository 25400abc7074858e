using Crdt.Core;

namespace Crdt.Core.Tests;

/// <summary>
/// Snapshots are persisted (replicas and the relay keep them on disk) and shipped between versions:
/// bytes written by an earlier encoder must still merge into the same state. The hex fixtures below
/// were written by the format-1 encoder (dots, Hlc messages and FieldValue messages per write) before
/// the compact format (op references, packed stamps, inline values) replaced it.
/// </summary>
public sealed class SnapshotFormatCompatibilityTests
{
    private static readonly ReplicaId R1 = new("r1"), R2 = new("r2"), R3 = new("r3");
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-compat");

    private static Op MakeOp(ReplicaId replica, long seq, long wall, int counter, VersionVector context, params Mutation[] mutations) =>
        new(new Dot(replica, seq), new Hlc(wall, counter, replica), "tech-" + replica.Value, Order, context, mutations);

    private static VersionVector Ctx(params (ReplicaId Replica, long Seq)[] entries) =>
        new(entries.Select(e => new KeyValuePair<ReplicaId, long>(e.Replica, e.Seq)));

    /// <summary>A document exercising every snapshot part: history writes, a flag and its resolution, elements added, edited and removed.</summary>
    internal static DocumentSet Scenario()
    {
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        documents.ApplyAll([
            MakeOp(R1, 1, 1_767_000_000_000, 0, VersionVector.Empty,
                new SetField(WorkOrderFields.Status, FieldValue.String("open")), new SetField(WorkOrderFields.Title, FieldValue.String("pump"))),
            MakeOp(R1, 2, 1_767_000_000_005, 3, VersionVector.Empty,
                new AddElement(WorkOrderFields.TimeEntries, "te1", new Dictionary<string, FieldValue>
                {
                    [TimeEntryFields.Hours] = FieldValue.Decimal(1.5m), [TimeEntryFields.Tech] = FieldValue.String("al"), [TimeEntryFields.Note] = FieldValue.String("n"),
                }),
                new AddElement(WorkOrderFields.PartsUsed, "p1", new Dictionary<string, FieldValue>
                {
                    [PartUsedFields.Sku] = FieldValue.String("sku-9"), [PartUsedFields.Qty] = FieldValue.Integer(3),
                })),
            MakeOp(R2, 1, 1_767_000_060_000, 0, Ctx((R1, 2)), new SetField(WorkOrderFields.Title, FieldValue.String("pump A"))),
            MakeOp(R3, 1, 1_767_000_050_000, 7, Ctx((R1, 1)), new SetField(WorkOrderFields.Title, FieldValue.String("pump B"))),
            MakeOp(R2, 2, 1_767_000_070_000, 0, Ctx((R1, 2)), new SetElementField(WorkOrderFields.TimeEntries, "te1", TimeEntryFields.Tech, FieldValue.String("bo"))),
            MakeOp(R1, 3, 1_767_000_080_000, 1, Ctx((R2, 2)),
                new AddElement(WorkOrderFields.Notes, "n1", new Dictionary<string, FieldValue> { [NoteFields.Text] = FieldValue.String("call first") })),
            MakeOp(R2, 3, 1_767_000_090_000, 0, Ctx((R1, 3)), new RemoveElement(WorkOrderFields.Notes, "n1")),
        ]);
        var flag = Assert.Single(documents.Flags(Order));
        documents.Apply(MakeOp(R3, 2, 1_767_000_100_000, 2, Ctx((R1, 3), (R2, 3)), new ResolveFlag(flag.Id, Resolution.KeepMine)));
        return documents;
    }

    // Scenario()'s full snapshot and its delta for a peer holding only r1:1, as format 1 wrote them.
    private const string Format1Full =
        "0a09576f726b4f726465721209776f2d636f6d7061742a150a027231120201011a002207746563682d723128012a1c0a0272311201031a080a060a02" +
        "723210022207746563682d723128012a1d0a027232120201011a080a060a02723110022207746563682d723228012a1c0a0272321201031a080a060a" +
        "02723110032207746563682d723228012a1c0a0272331201011a080a060a02723110012207746563682d723328012a240a0272331201021a100a060a" +
        "02723110030a060a02723210032207746563682d723328033210120210011a00220612046f70656e3001320c2206120470756d702801300232181204" +
        "080110011a0408e0d4032208120670756d7020413002321a1204080210011a0608d0860310072208120670756d70204230023a2e12026e311a021003" +
        "2204080110032a1c120210031a060880f1041001220c120a63616c6c206669727374300430033a2d120270311a0210022a12120210021a0408051003" +
        "22021806280130062a0d22071205736b752d392801300730053a3f12037465311a0210022a13120210021a040805100322052203312e3530092a0722" +
        "0312016e300a2a141204080110021a0408f0a20422041202626f300b300842250a1363652d646137613834626632613639653134611204080210021a" +
        "0608a08d06100220014a0272314a0272324a027233520673746174757352057469746c6552056e6f7465735204746578745209706172747355736564" +
        "52037174795203736b75520b74696d65456e74726965735205686f75727352046e6f746552047465636858808ca1cbb633";

    private const string Format1DeltaAfterR1Seq1 =
        "0a09576f726b4f726465721209776f2d636f6d7061742a140a0272311201021a002207746563682d723128012a1c0a0272311201031a080a060a0272" +
        "3210022207746563682d723128012a1d0a027232120201011a080a060a02723110022207746563682d723228012a1c0a0272321201031a080a060a02" +
        "723110032207746563682d723228012a1c0a0272331201011a080a060a02723110012207746563682d723328012a240a0272331201021a100a060a02" +
        "723110030a060a02723210032207746563682d723328033216120210011a0408dbd4032208120670756d7020413002321a1204080110011a0608cb86" +
        "0310072208120670756d70204230023a3012026e311a0408021003220210032a1e1204080210031a0608fbf0041001220c120a63616c6c2066697273" +
        "74300430033a2f120270311a04080210022a121204080210021a02100322021806280130062a0d22071205736b752d392801300730053a3f12037465" +
        "311a04080210022a131204080210021a02100322052203312e3530092a07220312016e300a2a12120210021a0408eba20422041202626f300b300842" +
        "250a1363652d646137613834626632613639653134611204080110021a06089b8d06100220014a0272324a0272334a02723152067374617475735205" +
        "7469746c6552056e6f746573520474657874520970617274735573656452037174795203736b75520b74696d65456e74726965735205686f75727352" +
        "046e6f746552047465636858858ca1cbb633";

    [Fact]
    public void A_format_1_full_snapshot_still_merges_into_the_same_state_and_flags()
    {
        var expected = Scenario();
        var loaded = new DocumentSet(SchemaRegistry.CreateDefault());
        Assert.True(loaded.MergeSnapshot(Convert.FromHexString(Format1Full)));
        AssertSameDocument(expected, loaded);
        // Idempotent: the same old bytes again change nothing.
        Assert.False(loaded.MergeSnapshot(Convert.FromHexString(Format1Full)));
        // Re-encoded by the current encoder, the state round-trips unchanged.
        var copy = new DocumentSet(SchemaRegistry.CreateDefault());
        copy.MergeSnapshot(loaded.EncodeSnapshot(Order));
        AssertSameDocument(expected, copy);
    }

    [Fact]
    public void A_format_1_delta_still_brings_a_peer_level()
    {
        var expected = Scenario();
        var peer = new DocumentSet(SchemaRegistry.CreateDefault());
        peer.Apply(MakeOp(R1, 1, 1_767_000_000_000, 0, VersionVector.Empty,
            new SetField(WorkOrderFields.Status, FieldValue.String("open")), new SetField(WorkOrderFields.Title, FieldValue.String("pump"))));
        Assert.True(peer.MergeSnapshot(Convert.FromHexString(Format1DeltaAfterR1Seq1)));
        AssertSameDocument(expected, peer);
    }

    [Fact]
    public void Format_1_and_the_current_format_merge_in_either_order_to_the_same_state()
    {
        var expected = Scenario();
        var current = expected.EncodeSnapshot(Order);
        var oldThenNew = new DocumentSet(SchemaRegistry.CreateDefault());
        oldThenNew.MergeSnapshot(Convert.FromHexString(Format1DeltaAfterR1Seq1));
        oldThenNew.MergeSnapshot(current);
        var newThenOld = new DocumentSet(SchemaRegistry.CreateDefault());
        newThenOld.MergeSnapshot(current);
        Assert.False(newThenOld.MergeSnapshot(Convert.FromHexString(Format1Full)));
        AssertSameDocument(expected, oldThenNew);
        AssertSameDocument(expected, newThenOld);
    }

    private static void AssertSameDocument(DocumentSet expected, DocumentSet actual)
    {
        Assert.Equal(expected.View(Order).ToJson(includeTotalsAndFlags: true), actual.View(Order).ToJson(includeTotalsAndFlags: true));
        Assert.Equal(expected.VersionOf(Order), actual.VersionOf(Order));
        Assert.Equal(expected.Flags(Order).Select(f => (f.Id, f.State)), actual.Flags(Order).Select(f => (f.Id, f.State)));
        Assert.Equal(expected.WinningWriteOf(Order, WorkOrderFields.Title), actual.WinningWriteOf(Order, WorkOrderFields.Title));
        Assert.Equal(expected.MaxHlcOf(Order), actual.MaxHlcOf(Order));
    }
}
