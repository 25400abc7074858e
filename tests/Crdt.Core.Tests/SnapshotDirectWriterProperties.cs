using Crdt.Core.Tests.Convergence;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using Xunit.Abstractions;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Tests;

/// <summary>
/// EncodeSnapshot and EncodeDelta write a snapshot's bytes straight from the encoder's lists; ToSnapshotMessage
/// builds the generated DocumentSnapshot message, whose ToByteArray is the format's reference. For random
/// documents (the convergence and compaction generators: every op kind, flags, removals, deletes, compacted
/// bases) and every peer version the scenario has, the two must be the same bytes, full and as deltas.
/// FsCheck prints the seed on failure; CRDT_FSCHECK_REPLAY="seed,gamma" replays it.
/// </summary>
public sealed class SnapshotDirectWriterProperties(ITestOutputHelper output)
{
    private const int Cases = 300;

    [Fact]
    public void Direct_bytes_equal_the_message_bytes_for_random_documents_and_peer_versions()
    {
        var seen = new Dictionary<string, int>();
        var property = Prop.ForAll(ScenarioArbitrary.Of(5, 80), scenario =>
        {
            var runner = new ScenarioRunner(scenario.Replicas, scenario.SchemaBits, scenario.Choices);
            // Play delivers ops at random: replicas hold different ops, so each one's version makes a real delta for the others.
            runner.Play();
            var sets = runner.Replicas.Select(r => r.Documents).ToList();
            foreach (var documents in sets)
            {
                CheckEveryForm(documents, sets, seen);
            }
        });
        Check.One(ScenarioArbitrary.Configuration(Cases, output), property);
        // Rice-coded sequences need long runs with gaps, which these short scenarios do not make, and their schemas have
        // no integer element fields (element_integers): the tests below write both.
        AssertCovered(seen, "fields", "elements", "resolutions", "context_refs", "write_indexes", "write_kinds", "write_integers", "element_indexes", "delta");
    }

    [Fact]
    public void Direct_bytes_equal_the_message_bytes_for_compacted_documents()
    {
        var seen = new Dictionary<string, int>();
        var property = Prop.ForAll(ScenarioArbitrary.Of(10, 160), scenario =>
        {
            var run = new CompactionScenario(scenario.Replicas, scenario.SchemaBits, scenario.Choices);
            run.Play();
            var sets = run.Devices.Select(d => d.Documents).ToList();
            foreach (var documents in sets)
            {
                CheckEveryForm(documents, sets, seen);
            }
        });
        Check.One(ScenarioArbitrary.Configuration(100, output), property);
        AssertCovered(seen, "compacted_base", "delta_peer_version");
    }

    [Fact]
    public void Direct_bytes_equal_the_message_bytes_for_long_text_beyond_ASCII()
    {
        // Strings long enough that their UTF-8 length is counted before writing (over 42 chars), in every string
        // section: replica (ASCII only), author (name table), id, top-level values, element ids and record values.
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        var replica = new ReplicaId("device-" + new string('a', 50));
        var key = new DocumentKey(WorkOrderFields.Collection, "wo-" + new string('✓', 50));
        var author = "tëch " + string.Concat(Enumerable.Repeat("😀", 40));
        documents.Apply(new Op(new Dot(replica, 1), new Hlc(1_767_000_000_000, 0, replica), author, key, VersionVector.Empty,
            [new SetField(WorkOrderFields.Title, FieldValue.String(new string('ü', 200))), new SetField(WorkOrderFields.Description, FieldValue.String("d\ud800x"))]));
        documents.Apply(new Op(new Dot(replica, 2), new Hlc(1_767_000_000_001, 0, replica), author, key, VersionVector.Empty,
            [new AddElement(WorkOrderFields.Notes, "note-" + new string('é', 45), new Dictionary<string, FieldValue> { [NoteFields.Text] = FieldValue.String(new string('€', 3000)) })]));

        Assert.Equal(documents.ToSnapshotMessage(key).ToByteArray(), documents.EncodeSnapshot(key));
        var peer = new VersionVector([new KeyValuePair<ReplicaId, long>(replica, 1)]);
        Assert.Equal(documents.ToSnapshotMessage(key, peer).ToByteArray(), documents.EncodeDelta(key, peer));
    }

    [Fact]
    public void Direct_bytes_equal_the_message_bytes_for_Rice_coded_runs()
    {
        // One device edits three documents in turn: each document's run has sequence gaps of 3, which the
        // encoder writes as a Golomb-Rice code (seq_rice) rather than as varints.
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        var replica = new ReplicaId("device-1");
        var keys = Enumerable.Range(0, 3).Select(i => new DocumentKey(WorkOrderFields.Collection, $"wo-{i}")).ToArray();
        for (var seq = 1; seq <= 90; seq++)
        {
            documents.Apply(new Op(new Dot(replica, seq), new Hlc(1_767_000_000_000 + seq, 0, replica), "tech", keys[seq % 3], VersionVector.Empty,
                [new SetField(WorkOrderFields.Title, FieldValue.String($"title {seq}"))]));
        }
        var peer = new VersionVector([new KeyValuePair<ReplicaId, long>(replica, 30)]);
        foreach (var key in keys)
        {
            var message = documents.ToSnapshotMessage(key);
            Assert.Contains(message.Runs, run => run.SeqRice.Length > 0);
            Assert.Equal(message.ToByteArray(), documents.EncodeSnapshot(key));
            Assert.Equal(documents.ToSnapshotMessage(key, peer).ToByteArray(), documents.EncodeDelta(key, peer));
        }
    }

    [Fact]
    public void Direct_bytes_equal_the_message_bytes_for_integer_columns()
    {
        // Integers, small and large, positive and negative (zigzag-coded), top-level and in element records.
        var schemas = SchemaRegistry.CreateDefault().Register(CollectionSchema.Define("Stock")
            .Lww("count", FieldValueKind.Integer)
            .OrSet("parts", e => e.Field("sku", FieldValueKind.String).Field("qty", FieldValueKind.Integer))
            .Build());
        var documents = new DocumentSet(schemas);
        var replica = new ReplicaId("device-1");
        var key = new DocumentKey("Stock", "s-1");
        long[] numbers = [0, 1, -1, 63, -64, 64, 1_000_000, -1_000_000_000_000, long.MaxValue, long.MinValue];
        for (var i = 0; i < numbers.Length; i++)
        {
            documents.Apply(new Op(new Dot(replica, i + 1), new Hlc(1_767_000_000_000 + i, 0, replica), "tech", key, VersionVector.Empty,
                [new SetField("count", FieldValue.Integer(numbers[i])),
                 new AddElement("parts", $"p-{i}", new Dictionary<string, FieldValue> { ["sku"] = FieldValue.String($"sku-{i}"), ["qty"] = FieldValue.Integer(numbers[i]) })]));
        }
        var message = documents.ToSnapshotMessage(key);
        Assert.Equal(numbers.Length, message.ElementIntegers.Count);
        Assert.Equal(message.ToByteArray(), documents.EncodeSnapshot(key));
        var peer = new VersionVector([new KeyValuePair<ReplicaId, long>(replica, 4)]);
        Assert.Equal(documents.ToSnapshotMessage(key, peer).ToByteArray(), documents.EncodeDelta(key, peer));
    }

    /// <summary>Every document of <paramref name="documents"/>, whole and as a delta for each set's version of it.</summary>
    private static void CheckEveryForm(DocumentSet documents, IReadOnlyList<DocumentSet> sets, Dictionary<string, int> seen)
    {
        foreach (var key in documents.Keys)
        {
            Compare(documents.ToSnapshotMessage(key), documents.EncodeSnapshot(key), key, "full", seen);
            foreach (var other in sets)
            {
                var peer = other.VersionOf(key);
                Compare(documents.ToSnapshotMessage(key, peer), documents.EncodeDelta(key, peer), key, $"delta for {peer}", seen);
            }
        }
    }

    private static void Compare(Wire.DocumentSnapshot message, byte[] direct, DocumentKey key, string form, Dictionary<string, int> seen)
    {
        var expected = message.ToByteArray();
        if (!expected.AsSpan().SequenceEqual(direct))
        {
            throw new Xunit.Sdk.XunitException($"{key} ({form}): the direct bytes differ from the message's\n  message {Convert.ToHexStringLower(expected)}\n  direct  {Convert.ToHexStringLower(direct)}\n  {message}");
        }
        Count(seen, "fields", message.Fields.Count);
        Count(seen, "elements", message.Elements.Count);
        Count(seen, "resolutions", message.Resolutions.Count);
        Count(seen, "seq_rice", message.Runs.Count(r => r.SeqRice.Length > 0));
        Count(seen, "context_refs", message.Runs.Count(r => r.ContextRefs.Count > 0));
        Count(seen, "write_indexes", message.WriteIndexes.Count);
        Count(seen, "write_kinds", message.WriteKinds.Count);
        Count(seen, "write_integers", message.WriteIntegers.Count);
        Count(seen, "element_indexes", message.ElementIndexes.Count);
        Count(seen, "element_integers", message.ElementIntegers.Count);
        Count(seen, "compacted_base", message.CompactedBase is null ? 0 : 1);
        Count(seen, "delta_peer_version", message.DeltaPeerVersion is null ? 0 : 1);
        Count(seen, "delta", form == "full" ? 0 : 1);
    }

    private static void Count(Dictionary<string, int> seen, string what, int n) => seen[what] = seen.GetValueOrDefault(what) + n;

    /// <summary>The generator must reach each section, or equal bytes prove little about it.</summary>
    private void AssertCovered(Dictionary<string, int> seen, params string[] sections)
    {
        output.WriteLine(string.Join(", ", seen.OrderBy(s => s.Key).Select(s => $"{s.Key}={s.Value}")));
        foreach (var section in sections)
        {
            Assert.True(seen.GetValueOrDefault(section) > 0, $"no snapshot had {section}");
        }
    }
}
