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
