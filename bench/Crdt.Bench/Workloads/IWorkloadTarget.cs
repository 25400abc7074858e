namespace Crdt.Bench.Workloads;

/// <summary>
/// A store the workloads run against. Each repetition starts from nothing, times the phases
/// BENCH-WORKLOADS.md names, and checks its own states with <see cref="WorkloadChecks"/>.
/// </summary>
public interface IWorkloadTarget : IDisposable
{
    /// <summary>Name and version of what is measured, e.g. "CrdtFieldStore 0.1.0 (memory)".</summary>
    string Library { get; }

    WorkloadFigures RunOnce(WorkloadInputs inputs);
}
