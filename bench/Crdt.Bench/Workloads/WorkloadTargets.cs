using Crdt.Bench.Memory;

namespace Crdt.Bench.Workloads;

/// <summary>Creates the store a <see cref="WorkloadTarget"/> names.</summary>
public static class WorkloadTargets
{
    public static IWorkloadTarget Create(WorkloadTarget target) => target switch
    {
        WorkloadTarget.Memory => new MemoryTarget(),
        _ => throw new NotSupportedException($"target {target} is not available on this branch yet"),
    };
}
