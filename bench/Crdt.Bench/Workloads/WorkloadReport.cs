using System.Text.Json.Serialization;

namespace Crdt.Bench.Workloads;

/// <summary>
/// What <c>workloads --json</c> writes: the medians of every repetition under the key names of
/// BENCH-WORKLOADS.md, with the machine, the library version and the digests the run had to reach.
/// </summary>
public sealed record WorkloadReport(
    string Library,
    string Target,
    double Scale,
    int Reps,
    MachineInfo Machine,
    ExpectedDigests ExpectedDigests,
    [property: JsonPropertyName("W1")] W1Figures? W1,
    [property: JsonPropertyName("W2")] W2Figures? W2,
    [property: JsonPropertyName("W3")] W3Figures? W3,
    [property: JsonPropertyName("W4")] W4Figures? W4)
{
    /// <summary>Every correctness check of the run held (digests, equality, convergence, adds).</summary>
    [JsonIgnore]
    public bool Correct =>
        (W1 is null || W1.Digest == ExpectedDigests.W1) &&
        (W2 is null || (W2.Digest == ExpectedDigests.W2 && W2.Equal != false)) &&
        (W3 is null || (W3.Converged && W3.AddsAllPresent));
}

/// <summary>The digests W1 and W2 must reach: the plain replay's, which equal the published ones at scale 1.</summary>
public sealed record ExpectedDigests(
    [property: JsonPropertyName("W1")] string W1,
    [property: JsonPropertyName("W2")] string W2);
