namespace Crdt.Relay.Storage;

/// <summary>One op to store: its dot, the document it changes, and its encoded bytes.</summary>
public sealed record OpRecord(string Replica, long Sequence, StoreDocumentKey Document, byte[] Payload);

/// <summary>One stored op with its log position.</summary>
public sealed record LogEntry(long Position, string Replica, long Sequence, StoreDocumentKey Document, byte[] Payload);

/// <summary>(collection, id) of a document.</summary>
public readonly record struct StoreDocumentKey(string Collection, string Id)
{
    public override string ToString() => $"{Collection}/{Id}";
}

/// <summary>What happened to each op of a batch, in the batch's order.</summary>
/// <param name="Positions">The log position of each op (its original one for duplicates).</param>
/// <param name="Duplicates">For each op, whether the store already held it.</param>
/// <param name="Head">The tenant's log head after the batch.</param>
public sealed record AppendResult(IReadOnlyList<long> Positions, IReadOnlyList<bool> Duplicates, long Head)
{
    public int StoredCount => Duplicates.Count - DuplicateCount;

    public int DuplicateCount
    {
        get
        {
            // Indexed: read for every push, and LINQ over the interface allocates an enumerator each time.
            var count = 0;
            for (var i = 0; i < Duplicates.Count; i++)
            {
                count += Duplicates[i] ? 1 : 0;
            }
            return count;
        }
    }
}

/// <summary>A tenant: an isolated set of documents and devices.</summary>
public sealed record TenantRecord(string Name, DateTimeOffset CreatedAt);

/// <summary>The roles a device can hold; numbers match <c>DeviceRole</c> in admin.proto.</summary>
public enum DeviceRoleKind
{
    Technician = 1,
    Dispatcher = 2,
    Admin = 3,
}

/// <summary>A device to register; the token itself never reaches the store, only its hash.</summary>
public sealed record NewDevice(string Tenant, string Name, DeviceRoleKind Role, byte[] TokenHash, DateTimeOffset CreatedAt);

/// <summary>A registered device.</summary>
public sealed record DeviceRecord(string Tenant, string Name, DeviceRoleKind Role, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public bool IsRevoked => RevokedAt is not null;
}

/// <summary>A document a device pinned, with the tenant's log head when it was pinned.</summary>
public sealed record PinRecord(StoreDocumentKey Document, long PinnedAtPosition);

/// <summary>Who pushes a batch: the device, and the SHA-256 of the replica key it showed (null when
/// none). A replica key is a secret kept in the replica's file, so every person signed in on a
/// shared device shows it, and a device that never held the file cannot.</summary>
public sealed record ReplicaClaim(string Device, byte[]? KeyHash = null)
{
    /// <summary>Whether this claim may act for a replica id owned by <paramref name="ownerDevice"/>
    /// (<paramref name="ownerKeyHash"/>: the key hash it was bound with): the owning device, or anyone
    /// showing the same replica key (a person signed in on the shared device that holds the file).</summary>
    public bool Matches(string ownerDevice, byte[]? ownerKeyHash) =>
        string.Equals(ownerDevice, Device, StringComparison.Ordinal)
        || (ownerKeyHash is not null && KeyHash is not null && ownerKeyHash.AsSpan().SequenceEqual(KeyHash));
}

/// <summary>The device a replica id is bound to in a tenant, and the hash of the replica key it showed then (null when none).</summary>
public sealed record ReplicaOwner(string Device, byte[]? KeyHash);
