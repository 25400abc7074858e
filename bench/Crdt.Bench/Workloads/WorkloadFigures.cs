using System.Text.Json.Serialization;

namespace Crdt.Bench.Workloads;

// Figures of one repetition (and, after WorkloadHarness.Combine, the medians over all).
// Property names serialize camelCase to the key names of BENCH-WORKLOADS.md; times are in ms.

public sealed record W1Figures(double CreateMs, double EditMs, double EditOpsPerSec, long EncodedBytes, string Digest);

/// <summary>W2; the exchange figures are null where a target cannot exchange (see its notes).</summary>
public sealed record W2Figures(
    double EditMs, double? EncodeMs, long? UpdateBytes, double? ApplyMs, double? ApplyOpsPerSec, bool? Equal, string Digest);

public sealed record W3Figures(
    double EditMs, double EncodeMs, double MergeMs, long ExchangeBytes, bool Converged, bool AddsAllPresent);

public sealed record W4Figures(double LoadMs, double ReadMs, double TotalMs, long Bytes);

/// <summary>Everything one repetition produced; a target that does not run a workload leaves it null.</summary>
public sealed record WorkloadFigures(
    [property: JsonPropertyName("W1")] W1Figures? W1,
    [property: JsonPropertyName("W2")] W2Figures? W2,
    [property: JsonPropertyName("W3")] W3Figures? W3,
    [property: JsonPropertyName("W4")] W4Figures? W4);
