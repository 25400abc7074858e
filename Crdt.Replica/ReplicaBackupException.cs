namespace Crdt.Replica;

/// <summary>A backup file was refused (not a backup, corrupted, another device's, newer format); nothing was changed.</summary>
public sealed class ReplicaBackupException : Exception
{
    public ReplicaBackupException(string message) : base(message) { }

    public ReplicaBackupException(string message, Exception inner) : base(message, inner) { }
}
