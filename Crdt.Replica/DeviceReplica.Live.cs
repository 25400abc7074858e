namespace Crdt.Replica;

public sealed partial class DeviceReplica
{
    /// <summary>How long <see cref="StopLiveSync"/> waits for the loop to end.</summary>
    internal TimeSpan LiveStopWait
    {
        get => _sync.LiveStopWait;
        set => _sync.LiveStopWait = value;
    }

    /// <summary>
    /// Starts syncing in the background: pushes edits as they are saved, pulls, then holds the
    /// live stream open and applies ops as they land. While the relay is unreachable it retries
    /// with exponential backoff and jitter; it stops sending while WorkOffline is on.
    /// </summary>
    public void StartLiveSync() => _sync.StartLiveSync();

    /// <summary>
    /// Stops background sync and waits for the loop to end. Called from a handler of an event
    /// that live sync raised (which runs on the loop), it cannot wait for the loop: it stops it,
    /// and the loop ends once it has raised the rest of that delivery's events.
    /// </summary>
    public void StopLiveSync() => _sync.StopLiveSync();
}
