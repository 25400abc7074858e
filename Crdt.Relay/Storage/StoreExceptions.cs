namespace Crdt.Relay.Storage;

/// <summary>A batch carried a dot the tenant already holds with different content: two
/// different ops cannot share an identity, so the batch is refused whole.</summary>
public sealed class DotConflictException(string replica, long sequence, StoreDocumentKey document)
    : Exception($"op {replica}:{sequence} on {document} was already stored with different content")
{
    public string Replica { get; } = replica;
    public long Sequence { get; } = sequence;
    public StoreDocumentKey Document { get; } = document;
}

/// <summary>A device name is unique within its tenant.</summary>
public sealed class DeviceNameTakenException(string tenant, string name)
    : Exception($"tenant '{tenant}' already has a device named '{name}'")
{
    public string Tenant { get; } = tenant;
    public string Name { get; } = name;
}

/// <summary>A batch carried ops under a replica id another device pushed first: a replica's dots
/// belong to the device that first pushed them, so the batch is refused whole.</summary>
public sealed class ReplicaOwnedException(string replica, string owner)
    : Exception($"replica id '{replica}' belongs to another device ('{owner}')")
{
    public string Replica { get; } = replica;
    public string Owner { get; } = owner;
}

/// <summary>The store cannot be reached right now (database down, restarting, connection lost):
/// the call may succeed later and nothing of it was applied. The message names the server
/// (host and port) and never the credentials.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The store could not be opened: unreachable server, refused login, missing database, a
/// connection string that does not parse, or data written by a newer relay. One line, naming the
/// server and never the credentials.</summary>
public sealed class StoreOpenException(string message, Exception? inner = null) : Exception(message, inner);
