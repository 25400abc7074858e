using Crdt.Core;

namespace Crdt.Replica;

/// <summary>A snapshot of the replica's state for a status screen.</summary>
public sealed record ReplicaStatus(
    ReplicaId Id,
    string Path,
    string? User,
    string? RelayUrl,
    ConnectivityState Connectivity,
    bool WorkOffline,
    long Pending,
    IReadOnlyDictionary<string, long> PendingByUser,
    IReadOnlyDictionary<string, int> Documents,
    int OpenFlags,
    string? LastError,
    int FormatVersion)
{
    /// <summary>Every relay address the signed-in person gave (<see cref="RelayUrl"/> is the one in use now); empty when nobody is.</summary>
    public IReadOnlyList<string> RelayUrls { get; init; } = [];
}
