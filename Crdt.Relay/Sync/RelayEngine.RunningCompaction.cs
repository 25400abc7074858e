using Crdt.Relay.Compaction;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Sync;

/// <summary>
/// Compaction on a running relay (README "Bounded history"): on demand (Admin.Compact) and on a schedule
/// (<see cref="RelayOptions.CompactEvery"/>), one tenant at a time, over the tenant's own state
/// (<see cref="RunningCompactionTarget"/>). With several relay processes on one store, each follows what
/// another's compaction did: the compacted-through position on every sweep, and the bases of ops it had
/// not applied yet when it finds them gone from the log.
/// </summary>
internal sealed partial class RelayEngine
{
    private readonly SemaphoreSlim _compacting = new(1, 1);
    private CompactionSchedule? _schedule;

    /// <summary>Compacts one tenant now. FAILED_PRECONDITION when the store keeps no compacted bases.</summary>
    public async Task<TenantCompaction> CompactAsync(string tenantName, CancellationToken cancellationToken)
    {
        if (Store is not ICompactionStore)
        {
            throw RelayRefusal.Precondition("this relay's store keeps no compacted bases, so it cannot compact");
        }

        var tenant = await TenantAsync(tenantName, cancellationToken).ConfigureAwait(false);
        // One compaction at a time (the schedule and the Admin API): a second would only redo the first's work.
        await _compacting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsShared)
            {
                // What other nodes appended up to now is then in the state, so the horizon is not held at this node's head.
                await CatchUpAsync(tenant, cancellationToken).ConfigureAwait(false);
            }
            var result = await new RelayCompactor(Store, Schemas).CompactAsync(tenantName, new RunningCompactionTarget(tenant), cancellationToken).ConfigureAwait(false);
            Log.Compacted(tenantName, result.Horizon.Position, result.OpsBefore, result.OpsAfter, result.BytesBefore, result.BytesAfter, result.Documents,
                string.Join(", ", result.Horizon.HoldingBack.Select(d => $"{d.Device} (at {d.Acknowledged} since {d.Since.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)")) is { Length: > 0 } holders ? holders : "no device");
            return result;
        }
        finally
        {
            _compacting.Release();
        }
    }

    /// <summary>Each device's acknowledgement and whether it holds the tenant's compaction back.</summary>
    public async Task<(StableHorizon Horizon, long Head)> DeviceProgressAsync(string tenant, CancellationToken cancellationToken)
    {
        if (Store is not ICompactionStore store)
        {
            throw RelayRefusal.Precondition("this relay's store keeps no acknowledgements");
        }

        var devices = await Store.ListDevicesAsync(tenant, includeRevoked: true, cancellationToken).ConfigureAwait(false);
        var head = await Store.GetHeadAsync(tenant, cancellationToken).ConfigureAwait(false);
        return (StableHorizon.Of(devices, await store.ListAcknowledgementsAsync(tenant, cancellationToken).ConfigureAwait(false), head), head);
    }

    /// <summary>Starts the compaction schedule when the options ask for one (from <see cref="OpenAsync"/>).</summary>
    private void ScheduleCompaction()
    {
        if (Options.CompactEvery is { } every && Store is ICompactionStore)
        {
            _schedule = new CompactionSchedule(this, every, _shutdown.Token);
        }
    }

    private ValueTask StopCompactionScheduleAsync() => _schedule?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>
    /// Called (as the tenant's only writer) when the log after the tenant's head is empty or starts past
    /// head + 1: another node may have compacted (pulls from below its position must bootstrap here too),
    /// maybe ops this one had not applied yet. Their documents' bases hold those; merging them is merging
    /// state, as a device does with a snapshot. Streams that had not received them are told to pull again
    /// (OpStreamer), and start from snapshots. Returns the store's compacted-through position.
    /// </summary>
    private async Task<long> AdoptCompactedBasesAsync(TenantState tenant)
    {
        if (Store is not ICompactionStore store)
        {
            return 0;
        }

        var compactedThrough = await store.GetCompactedThroughAsync(tenant.Name).ConfigureAwait(false);
        tenant.RaiseCompactedThrough(compactedThrough);
        if (compactedThrough <= tenant.Head)
        {
            return compactedThrough;
        }

        foreach (var record in await store.ReadBasesAsync(tenant.Name).ConfigureAwait(false))
        {
            if (record.Position > tenant.Head)
            {
                tenant.AdoptBase(new Core.DocumentKey(record.Document.Collection, record.Document.Id), record.Position, record.Snapshot);
            }
        }
        return compactedThrough;
    }
}
