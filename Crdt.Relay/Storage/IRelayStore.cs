namespace Crdt.Relay.Storage;

/// <summary>
/// Everything the relay keeps durably, behind one contract so that the SQLite backend
/// (default, one data folder) and a PostgreSQL backend (several relay processes) pass the
/// same conformance suite (<c>RelayStoreConformance</c> in the tests).
/// </summary>
/// <remarks>
/// <para><b>Log positions.</b> Every stored op gets a position, unique and increasing in
/// commit order. The contract a backend must honour: once <see cref="ReadLogAsync"/> has
/// returned an op at position P, no op of that tenant may later become visible at a position
/// ≤ P. A reader that resumes after the highest position it saw therefore never skips an op.
/// </para>
/// <para>SQLite honours it because it has one writer: <see cref="AppendAsync"/> begins an
/// IMMEDIATE transaction, which takes the database write lock before any position is chosen,
/// and positions are the rowid (max + 1) chosen inside that transaction. Two batches can
/// never interleave, so positions become visible exactly in commit order.</para>
/// <para>PostgreSQL does not give that for free (a sequence value taken by a transaction that
/// commits late lies below values already visible). A PostgreSQL backend must either draw
/// positions from a per-tenant counter row updated inside the appending transaction (the
/// row lock serialises a tenant's appenders, so commit order = position order), or only
/// return positions below the oldest in-flight transaction's horizon.</para>
/// <para><b>Atomicity.</b> <see cref="AppendAsync"/> stores a batch whole or not at all.</para>
/// </remarks>
public interface IRelayStore : IAsyncDisposable
{
    /// <summary>
    /// Stores a batch of ops of one tenant in one transaction. An op whose dot (replica,
    /// sequence) the tenant already holds with the same payload is a duplicate: nothing is
    /// written for it and its original position is reported. A dot held with a different
    /// payload fails the whole batch with <see cref="DotConflictException"/>, nothing stored.
    /// </summary>
    Task<AppendResult> AppendAsync(string tenant, IReadOnlyList<OpRecord> ops, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="AppendAsync(string, IReadOnlyList{OpRecord}, CancellationToken)"/> on behalf of a device:
    /// in the same transaction, every replica id of the batch not yet owned in the tenant becomes
    /// owned by the claim's device (and replica key hash, when shown). A replica id already owned
    /// is accepted from its owning device, or from any device showing the same replica key; else
    /// the whole batch fails with <see cref="ReplicaOwnedException"/>, nothing stored and nothing
    /// bound. A null claim binds and checks nothing (the relay's own ops).
    /// </summary>
    Task<AppendResult> AppendAsync(string tenant, IReadOnlyList<OpRecord> ops, ReplicaClaim? claim, CancellationToken cancellationToken = default);

    /// <summary>The device that owns a replica id in a tenant (and the replica key hash it was bound with), null when no device pushed it yet.</summary>
    Task<ReplicaOwner?> GetReplicaOwnerAsync(string tenant, string replica, CancellationToken cancellationToken = default);

    /// <summary>The tenant's ops after <paramref name="afterPosition"/>, in position order,
    /// at most <paramref name="limit"/>. See the class remarks for the no-skip guarantee.</summary>
    Task<IReadOnlyList<LogEntry>> ReadLogAsync(string tenant, long afterPosition, int limit, CancellationToken cancellationToken = default);

    /// <summary>The highest position of the tenant's log, 0 when empty.</summary>
    Task<long> GetHeadAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>Creates the tenant when missing; returns it either way.</summary>
    Task<TenantRecord> EnsureTenantAsync(string name, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>All tenants, ordered by name.</summary>
    Task<IReadOnlyList<TenantRecord>> ListTenantsAsync(CancellationToken cancellationToken = default);

    /// <summary>Registers a device (creating its tenant when missing). Throws
    /// <see cref="DeviceNameTakenException"/> when the tenant already has a device of that name.</summary>
    Task<DeviceRecord> AddDeviceAsync(NewDevice device, CancellationToken cancellationToken = default);

    /// <summary>The device whose token hashes to <paramref name="tokenHash"/>, revoked or not; null when none.</summary>
    Task<DeviceRecord?> FindDeviceByTokenHashAsync(byte[] tokenHash, CancellationToken cancellationToken = default);

    /// <summary>Devices of one tenant (or all when null), ordered by tenant then name.</summary>
    Task<IReadOnlyList<DeviceRecord>> ListDevicesAsync(string? tenant, bool includeRevoked, CancellationToken cancellationToken = default);

    /// <summary>Marks a device revoked (keeping the first revocation time); null when no such device.</summary>
    Task<DeviceRecord?> RevokeDeviceAsync(string tenant, string name, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>A number that changes whenever any device is added or revoked, also by another
    /// process on the same store; the relay polls it to end revoked devices' streams.</summary>
    Task<long> GetDeviceEpochAsync(CancellationToken cancellationToken = default);

    /// <summary>Pins or unpins a document for a device. A pin remembers the log head at the
    /// time it was made, so a Pull from an older cursor knows to send the document whole.</summary>
    Task SetPinAsync(string tenant, string device, StoreDocumentKey document, bool pinned, CancellationToken cancellationToken = default);

    /// <summary>A device's pins, ordered by collection then id.</summary>
    Task<IReadOnlyList<PinRecord>> ListPinsAsync(string tenant, string device, CancellationToken cancellationToken = default);

    /// <summary>A small named value of the relay itself (its replica id), null when unset.</summary>
    Task<string?> GetMetaAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Sets a named value of the relay itself.</summary>
    Task SetMetaAsync(string key, string value, CancellationToken cancellationToken = default);

    /// <summary>Where the store keeps its data, as messages name it (e.g. the database file).</summary>
    string Location => "the relay store";

    /// <summary>
    /// Checks the store's own structures (for SQLite, <c>PRAGMA quick_check</c>), run once at start-up:
    /// the problems found, none when the store is sound.
    /// </summary>
    Task<IReadOnlyList<string>> CheckIntegrityAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    /// <summary>
    /// What an exception thrown by this store means for callers: a <see cref="StoreFault"/> when the
    /// store itself failed (damaged, full, locked, unreachable), null for anything else.
    /// </summary>
    StoreFault? DescribeFault(Exception exception) => null;
}
