using Crdt.Simulation.Fuzz;
using Xunit.Abstractions;

namespace Crdt.Simulation.Tests;

/// <summary>
/// Guards against an input that makes the relay answer anything but a proper refusal (an exception
/// escaping the engine is UNKNOWN on the wire), or that leaves its state different from its log:
/// 10,000 structured and mutated Push, Mutate, Pull and Pin requests per run.
/// </summary>
public sealed class RelayFuzzTests(ITestOutputHelper output)
{
    private const int Requests = 10_000;

    [Fact]
    public async Task Ten_thousand_fuzzed_requests_get_an_answer_or_a_proper_refusal_and_keep_the_state_equal_to_the_log()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var s) ? s : 1;
        var report = await RelayFuzzer.RunAsync(seed, Requests, auditEvery: 2_500);
        output.WriteLine(report.ToString());

        Assert.Equal(Requests, report.Requests);
        // The generator must reach the relay's rules, not only its parser: both outcomes in numbers.
        Assert.True(report.Accepted > Requests / 20, report.ToString());
        Assert.True(report.RefusedByStatus.Values.Sum() > Requests / 4, report.ToString());
        Assert.True(report.Audits >= 4, report.ToString());
        Assert.True(report.AuditProblems.Count == 0, report.ToString());
        Assert.True(report.FindingCount == 0, report.ToString());
    }
}
