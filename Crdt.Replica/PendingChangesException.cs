namespace Crdt.Replica;

/// <summary>
/// Signing out or wiping was refused because edits made on this device have not reached the
/// relay yet. Sync first, or force it (a forced wipe writes a backup file first).
/// </summary>
public sealed class PendingChangesException : Exception
{
    public PendingChangesException(long pendingCount, string action)
        : base($"{action} refused: {pendingCount} change{(pendingCount == 1 ? "" : "s")} made on this device {(pendingCount == 1 ? "has" : "have")} not been synced yet; sync first, or force it (a backup file is written first)")
    {
        PendingCount = pendingCount;
    }

    /// <summary>A refusal with its own explanation (e.g. a user switch that could not sync first).</summary>
    public PendingChangesException(long pendingCount, string action, string explanation)
        : base($"{action} refused: {explanation}")
    {
        PendingCount = pendingCount;
    }

    public long PendingCount { get; }
}
