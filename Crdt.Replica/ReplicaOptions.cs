using Crdt.Core;

namespace Crdt.Replica;

/// <summary>How a replica is opened. The defaults suit a device app; tests pass time and randomness in.</summary>
public sealed class ReplicaOptions
{
    /// <summary>The clock for edit stamps, backoff and timeouts. Default: the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Uniform numbers in [0, 1) for backoff jitter. Default: <see cref="Random.Shared"/>.</summary>
    public Func<double> Random { get; init; } = System.Random.Shared.NextDouble;

    /// <summary>
    /// How hard each commit waits for the disk. Default: <see cref="ReplicaDurability.ProcessCrashOnly"/>
    /// (WAL with synchronous=NORMAL): an edit that returned survives the app being killed, which is
    /// what happens to field apps all day; only a sudden power cut or kernel crash can lose the
    /// last commits (never corrupt the file). A phone runs on a battery and shuts down cleanly
    /// when it empties, so that case is rare, while FULL costs an fsync per edit (3-10x slower on
    /// flash). Choose <see cref="ReplicaDurability.Full"/> for mains-powered kiosks or when policy
    /// requires surviving power loss.
    /// </summary>
    public ReplicaDurability Durability { get; init; } = ReplicaDurability.ProcessCrashOnly;

    /// <summary>
    /// Protects the bearer tokens and the replica key kept in the replica file. Default (null): a
    /// <see cref="KeyFileSecretProtector"/> with its key in an owner-only file beside the replica file,
    /// which keeps them out of the replica file itself but not from whoever can read its folder;
    /// back it with the platform's keystore in a real app (see README, "Secrets on the device").
    /// </summary>
    public ISecretProtector? SecretProtector { get; init; }

    /// <summary>The collections and their rules. Default: the built-in WorkOrder, Customer, Asset and Part.</summary>
    public SchemaRegistry? Schemas { get; init; }

    /// <summary>
    /// Which status moves this device's edits may make under a workflow. Default
    /// <see cref="StatusAuthority.Field"/> (a technician: declared steps, never out of a closed
    /// state); a dispatcher's device sets <see cref="StatusAuthority.Dispatch"/> to reopen orders.
    /// </summary>
    public StatusAuthority StatusAuthority { get; init; } = StatusAuthority.Field;

    /// <summary>Ops per push request: the relay's maximum (10,000 and 4 MiB), so a day offline goes up in few round trips.</summary>
    public int PushBatchOps { get; init; } = 10_000;

    /// <summary>Bytes per push request, kept under the relay's 4 MiB message limit.</summary>
    public int PushBatchBytes { get; init; } = 3 * 1024 * 1024;

    /// <summary>Items per pull call (0: the relay's default).</summary>
    public uint PullBatchItems { get; init; }

    /// <summary>Deadline of one push or pull call.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a live stream stays open before the replica renews it (after a pull). Each new stream
    /// and pull acknowledges what the replica holds, so the relay can compact history (README "Bounded
    /// history"): a device that stays live for days without editing would otherwise hold compaction back
    /// at the position where its stream began. The renewal also brings the latest stable horizon, so the
    /// device compacts its own file. Default 10 minutes.
    /// </summary>
    public TimeSpan LiveRenewEvery { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long to wait for a TCP connection to the relay before calling it unreachable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
