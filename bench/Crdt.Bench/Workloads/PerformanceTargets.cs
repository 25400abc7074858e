namespace Crdt.Bench.Workloads;

/// <summary>One target from issue 6, checked against a measured figure.</summary>
public sealed record PerformanceTarget(string Label, Func<WorkloadReport, double?> Measure, double Bound, bool AtLeast, string Unit)
{
    public bool? Met(WorkloadReport report) =>
        Measure(report) is double value ? (AtLeast ? value >= Bound : value <= Bound) : null;

    /// <summary>The targets issue 6 sets for each workload target (size targets against Yjs are in bench/compare.sh).</summary>
    public static IReadOnlyList<PerformanceTarget> For(WorkloadTarget target) => target switch
    {
        WorkloadTarget.Memory =>
        [
            new("W1 sets", r => r.W1?.EditOpsPerSec, 2_000_000, AtLeast: true, "ops/s"),
            new("W2 apply", r => r.W2?.ApplyOpsPerSec, 1_000_000, AtLeast: true, "ops/s"),
            new("W4 load+read", r => r.W4?.TotalMs, 50, AtLeast: false, "ms"),
        ],
        WorkloadTarget.Replica =>
        [
            new("W1 durable sets", r => r.W1?.EditOpsPerSec, 5_000, AtLeast: true, "ops/s"),
            new("W4 open+read", r => r.W4?.TotalMs, 200, AtLeast: false, "ms"),
        ],
        WorkloadTarget.Relay =>
        [
            // Through the relay, W2's encode is A's push (stored by the relay) and apply is B's pull + apply.
            new("W2 end to end", r => r.W2 is null ? null : r.W2.EncodeMs + r.W2.ApplyMs, 5_000, AtLeast: false, "ms"),
        ],
        _ => [],
    };
}
