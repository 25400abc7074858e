namespace Crdt.Bench.Workloads;

/// <summary>What stores the documents while W1–W4 run.</summary>
public enum WorkloadTarget
{
    /// <summary>Crdt.Core documents in memory, ops encoded and applied as the sync protocol would.</summary>
    Memory,

    /// <summary>Crdt.Replica on SQLite files, each edit durable on its own.</summary>
    Replica,

    /// <summary>W2 and W3 through a real relay on loopback.</summary>
    Relay,
}
