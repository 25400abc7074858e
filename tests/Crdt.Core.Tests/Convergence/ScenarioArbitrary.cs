using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace Crdt.Core.Tests.Convergence;

/// <summary>
/// What the property tests share: a scenario is a number of replicas, a seed for the random
/// schema, and a list of choices that the scenario's player turns into ops and deliveries; it
/// shrinks to shorter scenarios first (halves, then dropped chunks), then fewer replicas. And the
/// FsCheck configuration, which replays a reported seed from CRDT_FSCHECK_REPLAY="seed,gamma".
/// </summary>
internal static class ScenarioArbitrary
{
    public static Arbitrary<(int Replicas, int SchemaBits, int[] Choices)> Of(int minLength, int maxLength) =>
        Arb.From(
            from replicas in Gen.Choose(3, 5)
            from schemaBits in Gen.Choose(0, 1 << 14)
            from length in Gen.Choose(minLength, maxLength)
            from choices in Gen.ArrayOf(Gen.Choose(0, int.MaxValue), length)
            select (replicas, schemaBits, choices),
            Shrink);

    private static IEnumerable<(int, int, int[])> Shrink((int Replicas, int SchemaBits, int[] Choices) scenario)
    {
        var choices = scenario.Choices;
        for (var chunk = choices.Length / 2; chunk >= 1 && choices.Length > 1; chunk /= 2)
        {
            for (var start = 0; start + chunk <= choices.Length; start += chunk)
            {
                yield return (scenario.Replicas, scenario.SchemaBits, [.. choices[..start], .. choices[(start + chunk)..]]);
            }
        }
        if (scenario.Replicas > 3)
        {
            yield return (scenario.Replicas - 1, scenario.SchemaBits, choices);
        }
    }

    public static Config Configuration(int cases, ITestOutputHelper output)
    {
        var config = Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true);
        var replay = Environment.GetEnvironmentVariable("CRDT_FSCHECK_REPLAY");
        if (!string.IsNullOrEmpty(replay))
        {
            var parts = replay.Split(',');
            output.WriteLine($"replaying seed {replay}");
            config = config.WithReplay(ulong.Parse(parts[0]), ulong.Parse(parts[1]));
        }
        return config;
    }
}
