using Crdt.Relay.Storage;

namespace Crdt.Relay.Compaction;

/// <summary>
/// A tenant's stable horizon: the lowest log position every registered, non-revoked device has
/// acknowledged (README "Bounded history"). Every op up to it is held by every device, and every op
/// not yet received was made after its author held all of them (acknowledgements only count once the
/// relay holds what the device had made), so those ops are causally stable. A device that never
/// acknowledged holds the horizon at 0.
/// </summary>
public sealed record StableHorizon(long Position, IReadOnlyList<DeviceProgress> Devices)
{
    /// <summary>The devices whose acknowledgement is the horizon (holding compaction back), lowest first.</summary>
    public IEnumerable<DeviceProgress> HoldingBack => Devices.Where(d => d.HoldsBack);

    /// <summary>The horizon of a tenant whose log head is <paramref name="head"/>: a device at the head holds nothing back.</summary>
    public static StableHorizon Of(IReadOnlyList<DeviceRecord> devices, IReadOnlyList<AckRecord> acks, long head)
    {
        var byDevice = acks.ToDictionary(a => a.Device, StringComparer.Ordinal);
        var live = devices.Where(d => !d.IsRevoked).ToList();
        var position = live.Count == 0 ? 0 : live.Min(d => byDevice.TryGetValue(d.Name, out var ack) ? ack.Position : 0);
        var progress = devices
            .Select(d =>
            {
                var ack = byDevice.GetValueOrDefault(d.Name);
                var acknowledged = ack?.Position ?? 0;
                return new DeviceProgress(d.Name, d.IsRevoked, acknowledged, ack?.Since ?? d.CreatedAt, !d.IsRevoked && acknowledged == position && position < head);
            })
            .OrderBy(d => d.Acknowledged).ThenBy(d => d.Device, StringComparer.Ordinal)
            .ToList();
        return new StableHorizon(position, progress);
    }
}

/// <summary>How far one device acknowledged, since when that stands, and whether it is what holds compaction back.</summary>
public sealed record DeviceProgress(string Device, bool Revoked, long Acknowledged, DateTimeOffset Since, bool HoldsBack);
