namespace Crdt.Replica;

/// <summary>
/// A sign-in could not be checked with the relay: the token is unknown or revoked
/// (<see cref="Unreachable"/> false), or the relay could not be reached (true; signing in without
/// the check is still possible, and the first sync checks then). Nothing was changed.
/// </summary>
public sealed class ReplicaSignInException(string message, bool unreachable, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True when the relay could not be reached (retrying later, or signing in unchecked, may help).</summary>
    public bool Unreachable { get; } = unreachable;
}
