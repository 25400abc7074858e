namespace Crdt.Replica;

/// <summary>
/// What happens to the signed-in person's unsynced edits when someone else signs in on a
/// shared device. Either way, one person's edits are never sent under another's credentials.
/// </summary>
public enum PendingEditsPolicy
{
    /// <summary>
    /// Push them under the original person's credentials first; if the relay cannot be reached,
    /// the switch is refused (nothing changes) so the device can be handed over once synced.
    /// </summary>
    SyncFirst = 0,

    /// <summary>
    /// Keep them on the device, attributed to their author and untouched (never sent) until that
    /// person signs in again; the new person's own edits sync meanwhile.
    /// </summary>
    KeepForAuthor = 1,
}
