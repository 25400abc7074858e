using Crdt.Core.Codec;
using Crdt.Core.Tests.Convergence;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Tests;

/// <summary>
/// Bytes the hand-written snapshot reader (<see cref="SnapshotWireReader"/>) must refuse with an
/// <see cref="OpDecodeException"/> naming the problem (truncated, a varint longer than 10 bytes, a known
/// field with the wrong wire type, invalid UTF-8, a nested message that does not parse) without merging
/// anything, and the legal variations of the protobuf encoding (unknown fields, unpacked numbers, a
/// sub-message given twice) it must read exactly as the generated parser does.
/// </summary>
public sealed class SnapshotWireReaderMalformedTests
{
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-compat");
    private static readonly DocumentKey Other = new(WorkOrderFields.Collection, "wo-other");

    [Fact]
    public void Every_cut_of_a_snapshot_is_refused_as_truncated_or_reads_as_the_generated_parser_reads_it()
    {
        var bytes = SnapshotFormatCompatibilityTests.Scenario().EncodeSnapshot(Order);
        var refused = 0;
        for (var length = 1; length < bytes.Length; length++)
        {
            var cut = bytes[..length];
            Wire.DocumentSnapshot? message = null;
            try
            {
                message = Wire.DocumentSnapshot.Parser.ParseFrom(cut);
            }
            catch (InvalidProtocolBufferException)
            {
            }
            if (message is null)
            {
                var error = AssertRefusedWithNothingMerged(cut);
                Assert.Contains("not a valid DocumentSnapshot message: truncated", error);
                refused++;
                continue;
            }
            // A cut at a field boundary is a shorter valid message: both readers must agree on it.
            var throughOld = WithAnotherDocument();
            var throughNew = WithAnotherDocument();
            var oldError = Record.Exception(() => throughOld.MergeSnapshot(message));
            var newError = Record.Exception(() => throughNew.MergeSnapshot(cut.AsSpan()));
            Assert.Equal(oldError?.Message, newError?.Message);
            Assert.Equal(ScenarioRunner.Fingerprint(throughOld), ScenarioRunner.Fingerprint(throughNew));
        }
        Assert.True(refused > bytes.Length / 2, $"only {refused} of {bytes.Length - 1} cuts were refused");
    }

    [Fact]
    public void A_varint_longer_than_ten_bytes_is_refused_naming_the_field()
    {
        var bytes = SnapshotFormatCompatibilityTests.Scenario().EncodeSnapshot(Order);
        byte[] tooLong = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
        var scalar = AssertRefusedWithNothingMerged([.. bytes, .. Tag(11, 0), .. tooLong]);
        Assert.Contains("field 11 (hlc_base_ms) has a varint longer than 10 bytes", scalar);
        var packed = AssertRefusedWithNothingMerged([.. bytes, .. Tag(16, 2), (byte)tooLong.Length, .. tooLong[..^1], 0x00]);
        Assert.Contains("packed field 16 (write_names) has a varint longer than 10 bytes", packed);
        var unterminated = AssertRefusedWithNothingMerged([.. bytes, .. Tag(18, 2), 2, 0x81, 0x82]);
        Assert.Contains("truncated: the packed field 18 (write_stamps) ends inside a varint", unterminated);
    }

    [Fact]
    public void A_known_field_with_the_wrong_wire_type_is_refused_naming_the_field()
    {
        var bytes = SnapshotFormatCompatibilityTests.Scenario().EncodeSnapshot(Order);
        Assert.Contains("field 1 (collection) has wire type 0, expected 2", AssertRefusedWithNothingMerged([.. bytes, .. Tag(1, 0), 0x01]));
        Assert.Contains("field 24 (string_bytes) has wire type 0, expected 2", AssertRefusedWithNothingMerged([.. bytes, .. Tag(24, 0), 0x05]));
        Assert.Contains("field 5 (runs) has wire type 5, expected 2", AssertRefusedWithNothingMerged([.. bytes, .. Tag(5, 5), 1, 2, 3, 4]));
        Assert.Contains("field 11 (hlc_base_ms) has wire type 2, expected 0", AssertRefusedWithNothingMerged([.. bytes, .. Tag(11, 2), 1, 0x01]));
        Assert.Contains("field 40 has wire type 3", AssertRefusedWithNothingMerged([.. bytes, .. Tag(40, 3), .. Tag(40, 4)]));
    }

    [Fact]
    public void Invalid_utf8_and_malformed_nested_messages_are_refused_naming_the_section()
    {
        var bytes = SnapshotFormatCompatibilityTests.Scenario().EncodeSnapshot(Order);
        Assert.Contains("field 10 (names) is not valid UTF-8", AssertRefusedWithNothingMerged([.. bytes, .. Tag(10, 2), 2, 0xC3, 0x28]));
        var runs = Wire.DocumentSnapshot.Parser.ParseFrom(bytes).Runs.Count;
        // An op run whose seq_deltas varint is cut off inside the run's own bytes.
        Assert.Contains($"entry {runs + 1} of field 5 (runs)", AssertRefusedWithNothingMerged([.. bytes, .. Tag(5, 2), 2, 0x10, 0xFF]));
        Assert.Contains("an invalid tag 0", AssertRefusedWithNothingMerged([.. bytes, 0x00, 0x01]));
    }

    [Fact]
    public void Unknown_fields_and_unpacked_numbers_read_exactly_as_the_generated_parser_reads_them()
    {
        var bytes = SnapshotFormatCompatibilityTests.Scenario().EncodeSnapshot(Order);
        var message = Wire.DocumentSnapshot.Parser.ParseFrom(bytes);
        Assert.NotEmpty(message.WriteNames);
        var names = message.WriteNames.ToArray();
        message.WriteNames.Clear();
        var varied = new List<byte>(message.ToByteArray());
        foreach (var name in names)
        {
            varied.AddRange([.. Tag(16, 0), .. Varint(name)]);   // each write name its own unpacked entry
        }
        varied.AddRange([.. Tag(99, 0), .. Varint(12345)]);
        varied.AddRange([.. Tag(100, 2), 3, 1, 2, 3]);
        varied.AddRange([.. Tag(101, 1), 1, 2, 3, 4, 5, 6, 7, 8]);
        varied.AddRange([.. Tag(102, 5), 1, 2, 3, 4]);
        var variedBytes = varied.ToArray();

        var expected = SnapshotWireReaderTests.Dump(SnapshotCodec.Read(bytes));
        Assert.Equal(expected, SnapshotWireReaderTests.Dump(SnapshotCodec.Read(variedBytes)));
        Assert.Equal(expected, SnapshotWireReaderTests.Dump(SnapshotCodec.Validate(Wire.DocumentSnapshot.Parser.ParseFrom(variedBytes))));
        var loaded = new DocumentSet(SchemaRegistry.CreateDefault());
        Assert.True(loaded.MergeSnapshot(variedBytes));
        Assert.Equal(bytes, loaded.EncodeSnapshot(Order));
    }

    [Fact]
    public void A_sub_message_given_twice_is_merged_as_the_generated_parser_merges_it()
    {
        var set = SnapshotFormatCompatibilityTests.Scenario();
        set.Compact(set.VersionOf(Order));
        var bytes = set.EncodeSnapshot(Order);
        Assert.NotNull(Wire.DocumentSnapshot.Parser.ParseFrom(bytes).CompactedMaxHlc);
        // A second compacted_max_hlc with only a later wall time: protobuf merges it into the first.
        var later = new Wire.Hlc { WallMs = 1_900_000_000_000 }.ToByteArray();
        byte[] twice = [.. bytes, .. Tag(14, 2), (byte)later.Length, .. later];
        var throughOld = SnapshotWireReaderTests.Dump(SnapshotCodec.Validate(Wire.DocumentSnapshot.Parser.ParseFrom(twice)));
        Assert.Equal(throughOld, SnapshotWireReaderTests.Dump(SnapshotCodec.Read(twice)));
        Assert.Contains("1900000000000", throughOld);
    }

    /// <summary>Merges <paramref name="bytes"/> into a set holding another document; returns the error, after checking nothing changed.</summary>
    private static string AssertRefusedWithNothingMerged(byte[] bytes)
    {
        var set = WithAnotherDocument();
        var before = ScenarioRunner.Fingerprint(set);
        var error = Assert.Throws<OpDecodeException>(() => set.MergeSnapshot(bytes.AsSpan()));
        Assert.Throws<OpDecodeException>(() => PreparedSnapshot.Prepare(bytes));
        Assert.Equal(before, ScenarioRunner.Fingerprint(set));
        Assert.DoesNotContain(Order, set.Keys);
        return error.Message;
    }

    private static DocumentSet WithAnotherDocument()
    {
        var set = new DocumentSet(SchemaRegistry.CreateDefault());
        var r9 = new ReplicaId("r9");
        set.Apply(new Op(new Dot(r9, 1), new Hlc(1_767_000_000_000, 0, r9), "tech-r9", Other, VersionVector.Empty,
            [new SetField(WorkOrderFields.Status, FieldValue.String("open")), new SetField(WorkOrderFields.Title, FieldValue.String("valve"))]));
        return set;
    }

    private static byte[] Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        bytes.Add((byte)value);
        return [.. bytes];
    }
}
