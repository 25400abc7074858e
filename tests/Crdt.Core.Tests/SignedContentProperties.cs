using Crdt.Core;
using Crdt.Core.Tests.Convergence;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace Crdt.Core.Tests;

/// <summary>
/// SignedContentChanged converges (issue 14): replicas that sign a work order for customers and
/// change its labour and parts, concurrently and later, with partitions, duplicates and random
/// delivery order, end up showing the same SignedContentChanged flags (ids, states, sides) and the
/// same signatures, verifying alike (a signature edited after capture fails everywhere). The scenarios edit the one work order only, and are longer
/// than the general convergence property's, so signing, later work and acknowledging meet often.
/// </summary>
public sealed class SignedContentProperties(ITestOutputHelper output)
{
    private const int Cases = 300;
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "w1");

    [Fact]
    public void Replicas_that_hold_the_same_ops_show_the_same_signed_content_flags_and_valid_signatures()
    {
        var coverage = new Dictionary<string, int>();
        var property = Prop.ForAll(ScenarioArbitrary.Of(40, 200), scenario =>
        {
            var runner = new ScenarioRunner(scenario.Replicas, scenario.SchemaBits, scenario.Choices, [Order]);
            runner.Play();
            runner.DeliverEverything();

            var reference = new DocumentSet(runner.Schemas);
            reference.ApplyAll(runner.Pool.OrderBy(o => o.Dot));
            foreach (var flag in reference.Flags(Order).Where(f => f.Kind == FlagKind.SignedContentChanged))
            {
                Count(coverage, $"{flag.Kind}/{flag.State}");
            }
            // A signature edited after capture (the generator edits element fields at random; the relay would
            // refuse that) no longer verifies: on every replica alike.
            var verified = Verifications(reference);
            foreach (var verification in reference.VerifySignatures(Order))
            {
                Count(coverage, verification.IsValid ? "signature/valid" : "signature/invalid");
            }
            var expected = ScenarioRunner.Fingerprint(reference);
            foreach (var replica in runner.Replicas)
            {
                Assert.Equal(verified, Verifications(replica.Documents));
                var actual = ScenarioRunner.Fingerprint(replica.Documents);
                if (actual != expected)
                {
                    throw new Xunit.Sdk.XunitException($"replica {replica.Editor.Replica} diverged\n--- expected\n{expected}\n--- actual\n{actual}");
                }
            }
        });
        Check.One(ScenarioArbitrary.Configuration(Cases, output), property);

        output.WriteLine(string.Join(", ", coverage.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}")));
        Assert.True(coverage.GetValueOrDefault("signature/valid") > 200, $"only {coverage.GetValueOrDefault("signature/valid")} valid signatures were generated");
        Assert.True(coverage.GetValueOrDefault("signature/invalid") > 0, "no signature was edited after capture");
        Assert.True(coverage.GetValueOrDefault("SignedContentChanged/Open") > 50, $"only {coverage.GetValueOrDefault("SignedContentChanged/Open")} open SignedContentChanged flags");
        Assert.True(coverage.GetValueOrDefault("SignedContentChanged/Resolved") > 5, $"only {coverage.GetValueOrDefault("SignedContentChanged/Resolved")} resolved SignedContentChanged flags");
    }

    private static string Verifications(DocumentSet documents) =>
        string.Join('\n', documents.VerifySignatures(Order).Select(v => $"{v.ElementId} {v.IsValid} {v.Problem} {v.Statement}"));

    private static void Count(Dictionary<string, int> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;
}
