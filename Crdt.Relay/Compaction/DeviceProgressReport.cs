using Crdt.Relay.Storage;

namespace Crdt.Relay.Compaction;

/// <summary>Each listed device's acknowledgement and whether it holds its tenant's compaction back (for <c>device list</c>).</summary>
internal static class DeviceProgressReport
{
    public static async Task<Dictionary<(string Tenant, string Device), DeviceProgress>> ForAsync(ICompactionStore store, IReadOnlyList<DeviceRecord> listed, CancellationToken cancellationToken)
    {
        var result = new Dictionary<(string, string), DeviceProgress>();
        foreach (var tenant in listed.Select(d => d.Tenant).Distinct(StringComparer.Ordinal))
        {
            // The horizon depends on every live device of the tenant, listed or not.
            var devices = await ((IRelayStore)store).ListDevicesAsync(tenant, includeRevoked: true, cancellationToken).ConfigureAwait(false);
            var head = await ((IRelayStore)store).GetHeadAsync(tenant, cancellationToken).ConfigureAwait(false);
            var horizon = StableHorizon.Of(devices, await store.ListAcknowledgementsAsync(tenant, cancellationToken).ConfigureAwait(false), head);
            foreach (var progress in horizon.Devices)
            {
                result[(tenant, progress.Device)] = progress;
            }
        }
        return result;
    }
}
