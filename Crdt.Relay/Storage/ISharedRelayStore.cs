namespace Crdt.Relay.Storage;

/// <summary>
/// A store that several relay processes use at once (PostgreSQL). Each process keeps its tenants'
/// merged state in memory, so it must learn of ops the others append: the store wakes it up, and
/// the process then reads what is new from the log itself. A wake-up carries no data, so a lost
/// one costs latency (until the next sweep), never an op.
/// </summary>
public interface ISharedRelayStore : IRelayStore
{
    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> fires, calling <paramref name="onAppended"/>
    /// with a tenant whenever another process committed ops to that tenant's log, and with null
    /// when wake-ups may have been missed (after a reconnect): then every tenant may have moved.
    /// Reconnects by itself when the database goes away; never throws but for cancellation.
    /// </summary>
    Task ListenForAppendsAsync(Action<string?> onAppended, CancellationToken cancellationToken);

    /// <summary>
    /// Takes a lock on the tenant shared by every process on the store, held until the result is
    /// disposed (or the process dies). Relay processes share the relay's replica id, so they stamp
    /// the relay's own ops (Documents.Mutate) under it, one at a time.
    /// </summary>
    Task<IAsyncDisposable> LockTenantAsync(string tenant, CancellationToken cancellationToken);
}
