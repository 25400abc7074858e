namespace Crdt.Core.Tests;

/// <summary>
/// The bytes the current encoder writes for <see cref="SnapshotFormatCompatibilityTests.Scenario"/>, pinned:
/// replicas, relays and other stacks (through proto/) read them, so work on the encoder's speed must
/// leave them as they are (written by the encoder of commit 9750500). The encoder is reused per thread,
/// so the same bytes must come out after other documents were encoded on that thread, large or small.
/// A deliberate format change updates these fixtures and keeps the older ones in a compatibility test.
/// </summary>
public sealed class SnapshotEncoderBytesTests
{
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-compat");

    private const string Full =
        "0a09576f726b4f726465721209776f2d636f6d7061742a0a120201012801300140012a0d120103280130013a02020240012a0e12020101280130023a" +
        "02010240022a0d120103280130023a02010340022a0d120101280130033a02010140032a0f120102280330033a040103020340033a0c38034006480d" +
        "5081882758303a1d2a0c3805408097224a02626f60123802480b502b582668227203312e3542250a1363652d64613761383462663261363965313461" +
        "1204080210021a0608a08d06100220014a0272314a0272324a0272335207746563682d72315207746563682d72325207746563682d723358808ca1cb" +
        "b6336003820104020606068a0104010004079201070080a61d87b5189a010400010000ba010a040406060205020a0301c2012b6f70656e70756d7070" +
        "756d70204170756d7020427031736b752d396e3163616c6c2066697273747465316eca010618022c002e02d2010100da010102e201012bea010101f2" +
        "010106";

    // The delta for a peer holding only r1:1.
    private const string DeltaAfterR1Seq1 =
        "0a09576f726b4f726465721209776f2d636f6d7061742a091201022801300140012a0d120103280130013a02020240012a0e12020101280130023a02" +
        "010240022a0d120103280130023a02010340022a0d120101280130033a02010140032a0f120102280330033a040103020340033a0c38024005480d50" +
        "d9872758303a1d2a0c380440d896224a02626f60123801480b5003582668227203312e3542250a1363652d6461376138346266326136396531346112" +
        "04080210021a06089b8d06100220014a0272314a0272324a0272335207746563682d72315207746563682d72325207746563682d723358858ca1cbb6" +
        "33600382010206068a01020306920106d8a51ddfb418ba010806060205020a0301c2012370756d70204170756d7020427031736b752d396e3163616c" +
        "6c2066697273747465316eca010618022c002e02d2010100da010101e2010103ea010101f2010106";

    private static readonly VersionVector AfterR1Seq1 = new([new KeyValuePair<ReplicaId, long>(new ReplicaId("r1"), 1)]);

    [Fact]
    public void The_full_snapshot_and_a_delta_are_exactly_the_pinned_bytes()
    {
        var scenario = SnapshotFormatCompatibilityTests.Scenario();
        Assert.Equal(Full, Convert.ToHexStringLower(scenario.EncodeSnapshot(Order)));
        Assert.Equal(DeltaAfterR1Seq1, Convert.ToHexStringLower(scenario.EncodeDelta(Order, AfterR1Seq1)));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5000)]
    public void Encoding_other_documents_first_on_the_same_thread_changes_no_byte(int elements)
    {
        // Another document with other replicas, names, elements and values, encoded whole and as a delta
        // (5,000 elements grow the encoder past what it keeps for reuse, 3 do not).
        var other = new DocumentSet(SchemaRegistry.CreateDefault());
        var key = new DocumentKey(WorkOrderFields.Collection, "wo-other");
        var replica = new ReplicaId("other-device");
        other.Apply(new Op(new Dot(replica, 1), new Hlc(1_700_000_000_000, 0, replica), "someone", key, VersionVector.Empty,
            [new SetField(WorkOrderFields.Title, FieldValue.String("other"))]));
        for (var i = 0; i < elements; i++)
        {
            other.Apply(new Op(new Dot(replica, i + 2), new Hlc(1_700_000_000_001 + i, 0, replica), "someone", key, VersionVector.Empty,
                [new AddElement(WorkOrderFields.Notes, $"note-{i}", new Dictionary<string, FieldValue> { [NoteFields.Text] = FieldValue.String($"text {i}") })]));
        }
        var scenario = SnapshotFormatCompatibilityTests.Scenario();

        var otherFull = other.EncodeSnapshot(key);
        Assert.Equal(Full, Convert.ToHexStringLower(scenario.EncodeSnapshot(Order)));
        var otherDelta = other.EncodeDelta(key, new VersionVector([new KeyValuePair<ReplicaId, long>(replica, 1)]));
        Assert.Equal(DeltaAfterR1Seq1, Convert.ToHexStringLower(scenario.EncodeDelta(Order, AfterR1Seq1)));
        Assert.Equal(otherFull, other.EncodeSnapshot(key));
        Assert.Equal(otherDelta, other.EncodeDelta(key, new VersionVector([new KeyValuePair<ReplicaId, long>(replica, 1)])));

        // And what the other document's bytes say survives a round trip, so the pinned bytes are not the only check.
        var copy = new DocumentSet(SchemaRegistry.CreateDefault());
        Assert.True(copy.MergeSnapshot(otherFull));
        Assert.Equal(other.View(key).ToJson(includeTotalsAndFlags: true), copy.View(key).ToJson(includeTotalsAndFlags: true));
        Assert.Equal(otherFull, copy.EncodeSnapshot(key));
    }

    [Fact]
    public void Encoders_on_several_threads_at_once_write_the_pinned_bytes()
    {
        var scenario = SnapshotFormatCompatibilityTests.Scenario();
        var written = new string[8][];
        Parallel.For(0, written.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            written[i] = Enumerable.Range(0, 50).Select(_ => Convert.ToHexStringLower(scenario.EncodeSnapshot(Order))).ToArray());
        Assert.All(written.SelectMany(w => w), hex => Assert.Equal(Full, hex));
    }

    // A document whose title and author are not plain ASCII ("pümpe ✓ 😀 ok", "tëch"), as the same encoder wrote it.
    private const string NonAsciiFull =
        "0a09576f726b4f726465721209776f2d636f6d7061742a091201012801300140014a027531520574c3ab636858808ca1cbb63382010208068a010201" +
        "00920101009a01020100ba01020112c201136470c3bc6d706520e29c9320f09f9880206f6b";

    [Fact]
    public void Text_beyond_ASCII_is_written_as_before_and_reads_back()
    {
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        var replica = new ReplicaId("u1");
        documents.Apply(new Op(new Dot(replica, 1), new Hlc(1_767_000_000_000, 0, replica), "tëch", Order, VersionVector.Empty,
            [new SetField(WorkOrderFields.Title, FieldValue.String("pümpe ✓ 😀 ok")), new SetField(WorkOrderFields.Description, FieldValue.String("d"))]));
        var bytes = documents.EncodeSnapshot(Order);
        Assert.Equal(NonAsciiFull, Convert.ToHexStringLower(bytes));
        var copy = new DocumentSet(SchemaRegistry.CreateDefault());
        Assert.True(copy.MergeSnapshot(bytes));
        Assert.Equal("pümpe ✓ 😀 ok", copy.View(Order)[WorkOrderFields.Title]!.AsString());
        Assert.Equal(documents.View(Order).ToJson(includeTotalsAndFlags: true), copy.View(Order).ToJson(includeTotalsAndFlags: true));
    }
}
