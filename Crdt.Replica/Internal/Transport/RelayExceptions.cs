namespace Crdt.Replica.Internal.Transport;

/// <summary>The relay could not be reached or the call broke off: back off and retry.</summary>
internal sealed class RelayUnreachableException(string message, Exception inner) : Exception(message, inner);

/// <summary>The relay answered and refused (bad credentials, an op it will not take): retrying the same will not help.</summary>
internal sealed class RelayRefusedException(string message, bool credentialsRejected, Exception inner) : Exception(message, inner)
{
    /// <summary>True when the token is unknown or revoked (UNAUTHENTICATED / PERMISSION_DENIED on the call itself).</summary>
    public bool CredentialsRejected { get; } = credentialsRejected;

    /// <summary>The gRPC status the relay answered with (its enum name, e.g. "InvalidArgument"), when it answered with one.</summary>
    public string? Status { get; init; }

    /// <summary>The relay's own words (the status detail), when it answered with a status.</summary>
    public string? Detail { get; init; }

    /// <summary>
    /// The relay refused what was sent, not who sent it or when: sending the same ops again will
    /// never succeed (INVALID_ARGUMENT, PERMISSION_DENIED, FAILED_PRECONDITION), so they must
    /// leave the outbox or they would block every later edit.
    /// </summary>
    public bool RefusedForGood => !CredentialsRejected && Status is "InvalidArgument" or "PermissionDenied" or "FailedPrecondition";
}
