namespace Crdt.Bench.Workloads;

/// <summary>Sizes of W1–W3 at a scale factor, rounded as BENCH-WORKLOADS.md says.</summary>
public sealed record WorkloadScale(double Factor)
{
    public int Docs => Scaled(1000);
    public int W1Edits => Scaled(100_000);
    public int W2Sets => Scaled(50_000);
    public int W2Adds => Scaled(5_000);
    public int W2Ops => W2Sets + W2Adds;

    public const int W3SetsPerReplica = 10;
    public const int W3AddsPerReplica = 5;

    // round() as JavaScript's Math.round (half away from zero for positives).
    private int Scaled(int full) => Math.Max(1, (int)Math.Floor(full * Factor + 0.5));
}
