namespace Crdt.Replica;

/// <summary>How hard a commit waits for the disk.</summary>
public enum ReplicaDurability
{
    /// <summary>Every edit is on disk before the call returns, even across power loss (SQLite synchronous=FULL).</summary>
    Full = 0,

    /// <summary>Survives the app crashing but not the device losing power (synchronous=NORMAL); faster on slow flash.</summary>
    ProcessCrashOnly = 1,
}
