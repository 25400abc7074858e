namespace Crdt.Replica.Internal.Transport;

/// <summary>The relay could not be reached or the call broke off: back off and retry.</summary>
internal sealed class RelayUnreachableException(string message, Exception inner) : Exception(message, inner);

/// <summary>The relay answered and refused (bad credentials, an op it will not take): retrying the same will not help.</summary>
internal sealed class RelayRefusedException(string message, bool credentialsRejected, Exception inner) : Exception(message, inner)
{
    /// <summary>True when the token is unknown or revoked (UNAUTHENTICATED / PERMISSION_DENIED on the call itself).</summary>
    public bool CredentialsRejected { get; } = credentialsRejected;
}
