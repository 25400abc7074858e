using Crdt.Bench.Memory;
using Crdt.Bench.Replica;

namespace Crdt.Bench.Workloads;

/// <summary>Creates the store a <see cref="WorkloadTarget"/> names.</summary>
public static class WorkloadTargets
{
    public static IWorkloadTarget Create(WorkloadOptions options) => options.Target switch
    {
        WorkloadTarget.Memory => new MemoryTarget(),
        WorkloadTarget.Replica => new ReplicaTarget(
            options.ReplicaFullDurability ? Crdt.Replica.ReplicaDurability.Full : Crdt.Replica.ReplicaDurability.ProcessCrashOnly),
        WorkloadTarget.Relay => new Crdt.Bench.RelayTarget.RelayWorkloadTarget(),
        _ => throw new NotSupportedException($"target {options.Target} is not available on this branch yet"),
    };
}
