namespace Crdt.Replica;

/// <summary>The replica file could not be opened, read or written; the message names the file and the reason.</summary>
public sealed class ReplicaStorageException : Exception
{
    public ReplicaStorageException(string message) : base(message) { }

    public ReplicaStorageException(string message, Exception inner) : base(message, inner) { }
}
