using Crdt.Replica.Internal.Storage;

namespace Crdt.Replica;

public sealed partial class DeviceReplica
{
    /// <summary>Online, Offline, or WorkOffline (the user's switch).</summary>
    public ConnectivityState Connectivity => _sync.Connectivity;

    /// <summary>True while the user's WorkOffline switch is on: nothing is sent or received.</summary>
    public bool WorkOffline => _sync.WorkOffline;

    /// <summary>Totals since the replica was opened.</summary>
    public SyncProgress Progress => _sync.Progress;

    /// <summary>
    /// Switches WorkOffline on or off (remembered in the file). While on, nothing is sent, even
    /// with a network; switching it off syncs at once when live sync runs.
    /// </summary>
    public async Task SetWorkOfflineAsync(bool on, CancellationToken cancellationToken = default)
    {
        await LockedAsync(() =>
        {
            _store.SetSetting(SettingKeys.WorkOffline, on ? "true" : null);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        _sync.SetWorkOffline(on);
    }

    /// <summary>
    /// One full sync round: pushes the signed-in person's outbox in batches, then pulls until the
    /// relay has nothing more. With WorkOffline on it sends nothing and returns at once. Throws
    /// <see cref="ReplicaSyncException"/> when the relay is unreachable or refuses; nothing local
    /// is lost either way. Returns what this call moved and what is still pending.
    /// </summary>
    public Task<SyncProgress> SyncAsync(IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _sync.SyncAsync(progress, cancellationToken);

    /// <summary>
    /// Checks out the day's agenda: tells the relay which documents the user pinned, then pulls
    /// everything in this device's scope (assigned orders with their customers and assets, the
    /// parts catalogue, pinned documents), reporting progress as it goes.
    /// </summary>
    public async Task<AgendaSummary> CheckOutAgendaAsync(IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await _sync.SendPinsAsync(cancellationToken).ConfigureAwait(false);
        var moved = await SyncAsync(progress, cancellationToken).ConfigureAwait(false);
        await PredownloadAttachmentsAsync(cancellationToken).ConfigureAwait(false);
        return new AgendaSummary(WorkOrders(), DocumentCounts(), moved);
    }
}
