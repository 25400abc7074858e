namespace Crdt.Replica;

/// <summary>Whether the replica is talking to its relay; the app shows an "Offline" banner for anything but Online.</summary>
public enum ConnectivityState
{
    /// <summary>The last exchange with the relay worked.</summary>
    Online = 0,

    /// <summary>The relay is unreachable (no network, relay down); retrying with backoff.</summary>
    Offline = 1,

    /// <summary>The user switched syncing off (spotty coverage): nothing is sent or received until switched back.</summary>
    WorkOffline = 2,
}
