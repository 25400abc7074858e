using Crdt.Relay.Compaction;
using Crdt.Relay.Storage;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Sync;

/// <summary>The stable horizon a pull tells the device (README "Bounded history", "Devices compact too").</summary>
internal sealed partial class RelayEngine
{
    /// <summary>
    /// The tenant's stable horizon as a version vector message for a checkpoint: from the devices'
    /// acknowledgements (<see cref="StableHorizon"/>), as <see cref="StableVectorTracker"/> turns it into
    /// ops. Null when nothing is stable (a live device never acknowledged) or the store keeps no acknowledgements.
    /// </summary>
    public async Task<Wire.VersionVector?> StableVectorAsync(string tenantName, CancellationToken cancellationToken)
    {
        if (Store is not ICompactionStore store)
        {
            return null;
        }

        var devices = await Store.ListDevicesAsync(tenantName, includeRevoked: true, cancellationToken).ConfigureAwait(false);
        var acks = await store.ListAcknowledgementsAsync(tenantName, cancellationToken).ConfigureAwait(false);
        var tenant = await TenantAsync(tenantName, cancellationToken).ConfigureAwait(false);
        var horizon = StableHorizon.Of(devices, acks, tenant.Head);
        if (horizon.Position == 0)
        {
            return null;
        }

        var vector = await tenant.StableVector.AtAsync(tenantName, horizon.Position, Store, tenant.CompactedBasesVector, cancellationToken).ConfigureAwait(false);
        return vector.IsEmpty ? null : Wire.CoreMessages.ToMessage(vector);
    }
}
