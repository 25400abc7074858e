namespace Crdt.Replica;

/// <summary>How hard a commit waits for the disk.</summary>
public enum ReplicaDurability
{
    /// <summary>Every edit is on disk before the call returns, even across power loss (SQLite synchronous=FULL).</summary>
    Full = 0,

    /// <summary>
    /// The default. WAL with synchronous=NORMAL: a committed edit survives the app crashing or
    /// being killed (SIGKILL); a power cut or OS crash may lose the last commits since the last
    /// checkpoint, never corrupting the file. No fsync per edit, so several times faster.
    /// </summary>
    ProcessCrashOnly = 1,
}
