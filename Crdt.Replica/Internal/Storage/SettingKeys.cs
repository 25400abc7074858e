namespace Crdt.Replica.Internal.Storage;

/// <summary>Keys of the settings table. Persisted: never rename one.</summary>
internal static class SettingKeys
{
    /// <summary>This install's id, chosen at first open; backups carry it.</summary>
    public const string DeviceId = "device_id";

    /// <summary>A secret chosen at first open and never sent anywhere but the relay: every person
    /// signed in on this file shows it when pushing, so the relay accepts this install's replica id
    /// from each of their tokens (and from no device that never held the file).</summary>
    public const string ReplicaKey = "replica_key";

    /// <summary>"true" while the user's WorkOffline switch is on.</summary>
    public const string WorkOffline = "work_offline";

    /// <summary>The user whose credentials sync now.</summary>
    public const string CurrentUser = "current_user";

    /// <summary>Of several relay nodes, the address in use when the replica last moved (a new process starts there).</summary>
    public const string RelayInUse = "relay_in_use";

    /// <summary>Highest hybrid logical clock this replica issued or saw, so time never runs backwards after a restart.</summary>
    public const string LastHlc = "last_hlc";

    /// <summary>The stable horizon the relay last told (base64 of a <c>crdtfieldstore.v1.VersionVector</c>): what compaction may fold.</summary>
    public const string StableHorizon = "stable_horizon";

    /// <summary>How many ops the horizon covered (the sum of its entries) when this replica last compacted: the automatic rule's baseline.</summary>
    public const string CompactedStableOps = "compacted_stable_ops";
}
