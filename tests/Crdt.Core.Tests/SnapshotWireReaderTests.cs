using System.Text;
using Crdt.Core.Codec;
using Crdt.Core.Tests.Convergence;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using Xunit.Abstractions;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Tests;

/// <summary>
/// The hand-written snapshot reader (<see cref="SnapshotWireReader"/>, issue 18) against the path it
/// replaced (the generated <c>DocumentSnapshot</c> parser, then <see cref="SnapshotReader"/>): for random
/// documents of the compaction scenarios (compacted bases, flags and resolutions, removed elements,
/// deleted documents, concurrent writes) every full snapshot and every delta must read into the same
/// parsed state and merge into the same document; malformed bytes (truncated, bad varint, wrong wire
/// type, invalid UTF-8) are refused with an error naming the problem, and nothing of them is merged.
/// </summary>
public sealed class SnapshotWireReaderTests(ITestOutputHelper output)
{
    private const int Cases = 120;

    private static readonly Arbitrary<(int Replicas, int SchemaBits, int[] Choices)> ScenarioArb = ScenarioArbitrary.Of(10, 160);

    [Fact]
    public void Random_snapshots_and_deltas_read_and_merge_exactly_as_through_the_generated_parser()
    {
        var counts = new Dictionary<string, int>();
        var property = Prop.ForAll(ScenarioArb, scenario =>
        {
            var run = new CompactionScenario(scenario.Replicas, scenario.SchemaBits, scenario.Choices);
            run.Play();
            CheckEveryEncoding(run, counts);
            run.Finish();
            CheckEveryEncoding(run, counts);
        });
        Check.One(ScenarioArbitrary.Configuration(Cases, output), property);
        output.WriteLine(string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}")));
        // The generated documents must reach the sections the reader has to get right.
        foreach (var part in new[] { "with a base", "with a delta peer", "with resolutions", "with element messages", "with element columns", "with write columns", "with removes", "with deletes", "delta" })
        {
            Assert.True(counts.GetValueOrDefault(part) > 20, $"only {counts.GetValueOrDefault(part)} snapshots {part}");
        }
    }

    private static void CheckEveryEncoding(CompactionScenario run, Dictionary<string, int> counts)
    {
        var devices = run.Devices;
        foreach (var (_, documents, shadow) in devices)
        {
            foreach (var set in new[] { documents, shadow })
            {
                foreach (var key in set.Keys.OrderBy(k => k))
                {
                    var full = set.EncodeSnapshot(key);
                    SameAsGeneratedParser(full, () => new DocumentSet(run.Schemas), key, counts);
                    // Loaded from its snapshot (every op run folded in at once), the document holds the same op
                    // records, registers and elements as the set it came from: it re-encodes to the same bytes.
                    var reloaded = new DocumentSet(run.Schemas);
                    reloaded.MergeSnapshot(full);
                    Assert.Equal(set.OpRecordCount(key), reloaded.OpRecordCount(key));
                    Assert.Equal(full, reloaded.EncodeSnapshot(key));
                    count(counts, "full");
                    // A delta for each other device, merged into that device's own state of the document.
                    foreach (var (_, peerDocuments, _) in devices)
                    {
                        if (ReferenceEquals(peerDocuments, documents) || !peerDocuments.Keys.Contains(key))
                        {
                            continue;
                        }
                        var delta = set.EncodeDelta(key, peerDocuments.VersionOf(key));
                        var peerSnapshot = peerDocuments.EncodeSnapshot(key);
                        SameAsGeneratedParser(delta, () => Loaded(run.Schemas, peerSnapshot), key, counts);
                        count(counts, "delta");
                    }
                }
            }
        }

        static void count(Dictionary<string, int> counts, string what) => counts[what] = counts.GetValueOrDefault(what) + 1;
    }

    private static DocumentSet Loaded(SchemaRegistry schemas, byte[] snapshot)
    {
        var set = new DocumentSet(schemas);
        set.MergeSnapshot(Wire.DocumentSnapshot.Parser.ParseFrom(snapshot));
        return set;
    }

    /// <summary>The bytes read the same through both readers, and merge into equal states (or fail with the same error).</summary>
    private static void SameAsGeneratedParser(byte[] bytes, Func<DocumentSet> target, DocumentKey key, Dictionary<string, int> counts)
    {
        var message = Wire.DocumentSnapshot.Parser.ParseFrom(bytes);
        Tally(message, counts);
        Assert.Equal(Dump(SnapshotCodec.Validate(message)), Dump(SnapshotCodec.Read(bytes)));

        var throughOld = target();
        var throughNew = target();
        var oldError = Record.Exception(() => throughOld.MergeSnapshot(message));
        var newError = Record.Exception(() => throughNew.MergeSnapshot(bytes.AsSpan()));
        Assert.Equal(oldError?.GetType(), newError?.GetType());
        Assert.Equal(oldError?.Message, newError?.Message);
        Assert.Equal(ScenarioRunner.Fingerprint(throughOld), ScenarioRunner.Fingerprint(throughNew));
        Assert.Equal(throughOld.Keys.Contains(key), throughNew.Keys.Contains(key));
        if (throughOld.Keys.Contains(key))
        {
            Assert.Equal(throughOld.EncodeSnapshot(key), throughNew.EncodeSnapshot(key));
            Assert.Equal(throughOld.OpRecordCount(key), throughNew.OpRecordCount(key));
        }
    }

    private static void Tally(Wire.DocumentSnapshot message, Dictionary<string, int> counts)
    {
        void Count(bool when, string what)
        {
            if (when)
            {
                counts[what] = counts.GetValueOrDefault(what) + 1;
            }
        }
        Count(message.CompactedBase is { Entries.Count: > 0 }, "with a base");
        Count(message.DeltaPeerVersion is { Entries.Count: > 0 }, "with a delta peer");
        Count(message.Resolutions.Count > 0, "with resolutions");
        Count(message.Elements.Count > 0, "with element messages");
        Count(message.ElementShapeRefs.Count > 0, "with element columns");
        Count(message.WriteNames.Count > 0, "with write columns");
        Count(message.Elements.Any(e => e.RemoveRefs.Count > 0 || e.Removes.Count > 0), "with removes");
        Count(message.Runs.Any(r => r.Kind == Wire.OpRunKind.Delete), "with deletes");
    }

    /// <summary>Everything a parsed snapshot holds, as text, in its order.</summary>
    internal static string Dump(SnapshotCodec.Parsed parsed)
    {
        var text = new StringBuilder();
        text.Append(parsed.Key).Append(" max ").Append(parsed.MaxHlc).Append(" base ").Append(parsed.Base).Append(" peer ").Append(parsed.DeltaPeer).Append('\n');
        foreach (var op in parsed.Ops)
        {
            text.Append("op ").Append(op.Dot).Append(' ').Append(op.Hlc).Append(' ').Append(op.Mutations.Count).Append('\n');
        }
        foreach (var record in parsed.Records)
        {
            text.Append("record ").Append(record).Append('\n');
        }
        foreach (var (field, write) in parsed.Fields)
        {
            text.Append("field ").Append(field).Append(' ').Append(write).Append('\n');
        }
        foreach (var (set, id, adds, removes, fields) in parsed.Elements)
        {
            text.Append("element ").Append(set).Append('/').Append(id).Append(" +[").AppendJoin(", ", adds).Append("] -[").AppendJoin(", ", removes).Append("]\n");
            foreach (var (field, write) in fields)
            {
                text.Append("  ").Append(field).Append(' ').Append(write).Append('\n');
            }
        }
        foreach (var (flag, resolution) in parsed.Resolutions)
        {
            text.Append("resolution ").Append(flag).Append(' ').Append(resolution).Append('\n');
        }
        return text.ToString();
    }
}
