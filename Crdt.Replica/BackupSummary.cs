namespace Crdt.Replica;

/// <summary>What a backup file holds.</summary>
public sealed record BackupSummary(string Path, string DeviceId, DateTimeOffset CreatedAt, int Documents, int Ops, int Pending);
