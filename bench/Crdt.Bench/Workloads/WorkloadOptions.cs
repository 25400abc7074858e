namespace Crdt.Bench.Workloads;

/// <summary>The parsed command line of <c>workloads</c>.</summary>
public sealed record WorkloadOptions(double Scale, int Reps, WorkloadTarget Target, FileInfo Json, bool ReplicaFullDurability = true);
