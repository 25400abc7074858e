using Crdt.Core;
using Crdt.Core.Tests.Convergence;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace Crdt.Core.Tests;

/// <summary>
/// Guards convergence: replicas that end up holding the same ops, received in any order, with
/// duplicates, across partitions, or through snapshots and deltas, show the same documents and
/// the same flags. FsCheck prints the seed and the shrunk scenario on failure; set
/// CRDT_FSCHECK_REPLAY="seed,gamma" to replay a reported seed.
/// </summary>
public sealed class ConvergenceProperties(ITestOutputHelper output)
{
    private const int Cases = 1000;

    private static readonly Arbitrary<(int Replicas, int SchemaBits, int[] Choices)> ScenarioArb = ScenarioArbitrary.Of(5, 80);

    private Config Configuration() => ScenarioArbitrary.Configuration(Cases, output);

    [Fact]
    public void Replicas_that_hold_the_same_ops_show_the_same_documents_and_flags()
    {
        var coverage = new Dictionary<string, int>();
        var property = Prop.ForAll(ScenarioArb, scenario =>
        {
            var runner = new ScenarioRunner(scenario.Replicas, scenario.SchemaBits, scenario.Choices);
            runner.Play();
            runner.DeliverEverything();

            var reference = new DocumentSet(runner.Schemas);
            reference.ApplyAll(runner.Pool.OrderBy(o => o.Dot));
            foreach (var mutation in runner.Pool.SelectMany(o => o.Mutations))
            {
                Count(coverage, mutation.GetType().Name);
            }
            foreach (var (reason, n) in runner.Refusals)
            {
                coverage["refused: " + reason] = coverage.GetValueOrDefault("refused: " + reason) + n;
            }
            foreach (var flag in reference.AllFlags())
            {
                Count(coverage, $"{flag.Kind}/{flag.State}");
            }
            AssertOpenStatusConflictsShowTheirStandingState(reference, coverage);
            var expected = ScenarioRunner.Fingerprint(reference);
            foreach (var replica in runner.Replicas)
            {
                var actual = ScenarioRunner.Fingerprint(replica.Documents);
                if (actual != expected)
                {
                    throw new Xunit.Sdk.XunitException($"replica {replica.Editor.Replica} diverged\n--- expected\n{expected}\n--- actual\n{actual}");
                }
            }
        });
        Check.One(Configuration(), property);

        // The generator must really exercise every op kind and every flag kind, open and resolved.
        output.WriteLine(string.Join(", ", coverage.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}")));
        foreach (var kind in new[] { "SetField", "AddElement", "SetElementField", "RemoveElement", "DeleteDocument", "ResolveFlag" })
        {
            Assert.True(coverage.GetValueOrDefault(kind) > 100, $"only {coverage.GetValueOrDefault(kind)} {kind} mutations were generated");
        }
        Assert.True(coverage.GetValueOrDefault("StatusConflict shown while open") > 20, "too few documents showed an open StatusConflict");
        // SignedContentChanged is generated here too, but needs a signature, later work and an acknowledgement on
        // the one work order: SignedContentProperties plays longer work-order scenarios and holds its coverage bar.
        foreach (var kind in Enum.GetValues<FlagKind>().Where(k => k != FlagKind.SignedContentChanged))
        {
            Assert.True(coverage.GetValueOrDefault($"{kind}/Open") > 20, $"only {coverage.GetValueOrDefault($"{kind}/Open")} open {kind} flags were derived");
            // Resolved WorkOnClosedOrder flags are rare (an Accept/Discard must hit an open one): about 5-10
            // per 1,000 cases, so "> 5" failed now and then; at least one still proves the path is generated.
            Assert.True(coverage.GetValueOrDefault($"{kind}/Resolved") > 0, $"only {coverage.GetValueOrDefault($"{kind}/Resolved")} resolved {kind} flags were derived");
        }
    }

    private static void Count(Dictionary<string, int> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    /// <summary>
    /// Issue 17: while every StatusConflict on a status field is open, the document shows the
    /// standing side (the closing state when one of the writes closes), never the later write.
    /// </summary>
    private static void AssertOpenStatusConflictsShowTheirStandingState(DocumentSet documents, Dictionary<string, int> coverage)
    {
        foreach (var group in documents.AllFlags().Where(f => f.Kind == FlagKind.StatusConflict).GroupBy(f => (f.Document, f.Field)))
        {
            if (group.Any(f => f.State != FlagState.Open))
            {
                continue;
            }
            var view = documents.View(group.Key.Document);
            foreach (var flag in group)
            {
                Assert.Equal(flag.WinnerValue, view[flag.Field!]);
            }
            Count(coverage, "StatusConflict shown while open");
        }
    }

    [Fact]
    public void A_replica_bootstrapped_from_snapshots_converges_with_the_ones_that_replayed_ops()
    {
        var property = Prop.ForAll(ScenarioArb, scenario =>
        {
            var runner = new ScenarioRunner(scenario.Replicas, scenario.SchemaBits, scenario.Choices);
            runner.Play();

            // A new device bootstraps from replica 0's current state (snapshot bytes), then receives everything as ops.
            var late = new DocumentSet(runner.Schemas);
            foreach (var key in runner.Replicas[0].Documents.Keys)
            {
                late.MergeSnapshot(runner.Replicas[0].Documents.EncodeSnapshot(key));
            }
            // Snapshots of replica 1 merge in too (state merge of overlapping states).
            foreach (var key in runner.Replicas[1].Documents.Keys)
            {
                late.MergeSnapshot(runner.Replicas[1].Documents.EncodeSnapshot(key));
            }
            runner.DeliverEverything();
            late.ApplyAll(runner.Shuffled(runner.Pool));

            var expected = ScenarioRunner.Fingerprint(runner.Replicas[0].Documents);
            Assert.Equal(expected, ScenarioRunner.Fingerprint(late));

            // A full snapshot round-trips into an empty set.
            var copy = new DocumentSet(runner.Schemas);
            foreach (var key in late.Keys)
            {
                copy.MergeSnapshot(late.EncodeSnapshot(key));
            }
            Assert.Equal(expected, ScenarioRunner.Fingerprint(copy));
        });
        Check.One(Configuration(), property);
    }

    [Fact]
    public void A_delta_for_the_peers_version_brings_the_peer_level_when_ops_arrive_in_order()
    {
        var property = Prop.ForAll(ScenarioArb, scenario =>
        {
            var runner = new ScenarioRunner(scenario.Replicas, scenario.SchemaBits, scenario.Choices);
            runner.Play(fifo: true);
            runner.DeliverEverything();
            var full = runner.Replicas[0].Documents;

            // A peer that received a prefix of the log (no gaps) catches up from deltas alone.
            var peer = new DocumentSet(runner.Schemas);
            peer.ApplyAll(runner.Pool.Take(runner.Pool.Count / 2));
            foreach (var key in full.Keys)
            {
                peer.MergeSnapshot(full.EncodeDelta(key, peer.VersionOf(key)));
            }
            Assert.Equal(ScenarioRunner.Fingerprint(full), ScenarioRunner.Fingerprint(peer));
        });
        Check.One(Configuration(), property);
    }
}
