namespace Crdt.Relay.Storage.Sqlite;

public sealed partial class SqliteRelayStore
{
    // Tenant rows and replica owners this store has seen committed, so that a push from a replica
    // already bound to its pusher (nearly every push) neither queries replica_owners nor upserts its
    // tenant's row again: two statements less per push on the tenant's serial write path, which small
    // pushes pay in full (docs/performance.md, issue 11). Neither table loses rows, and an owner's key
    // hash only goes from null to set, so what was committed stays true for the life of the store.
    // Entries learnt inside a transaction are kept aside and remembered only once it commits, so a
    // rolled-back push teaches nothing. All of it is used only under _writeLock, like _writer.
    private readonly HashSet<string> _knownTenants = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Tenant, string Replica), ReplicaOwner> _knownOwners = [];
    private readonly List<string> _learntTenants = [];
    private readonly List<((string Tenant, string Replica) Key, ReplicaOwner Owner)> _learntOwners = [];

    /// <summary>Whether the claim may push ops of the replica without asking the database: its owner
    /// is known, matches the claim, and there is no key hash to record for it.</summary>
    private bool IsKnownOwner(string tenant, string replica, ReplicaClaim claim) =>
        _knownOwners.TryGetValue((tenant, replica), out var owner)
        && claim.Matches(owner.Device, owner.KeyHash)
        && !(owner.KeyHash is null && claim.KeyHash is not null && string.Equals(owner.Device, claim.Device, StringComparison.Ordinal));

    private void LearnOwner(string tenant, string replica, ReplicaOwner owner) => _learntOwners.Add(((tenant, replica), owner));

    private void LearnTenant(string tenant) => _learntTenants.Add(tenant);

    /// <summary>Forgets what the transaction now beginning has not yet learnt (one that failed before).</summary>
    private void BeginLearning()
    {
        _learntTenants.Clear();
        _learntOwners.Clear();
    }

    /// <summary>Remembers what the transaction that just committed learnt.</summary>
    private void RememberLearnt()
    {
        _knownTenants.UnionWith(_learntTenants);
        foreach (var (key, owner) in _learntOwners)
        {
            _knownOwners[key] = owner;
        }
        BeginLearning();
    }
}
