namespace Crdt.Relay.Sync;

/// <summary>Why the relay refuses a request, in its own terms; the services turn each kind into a
/// gRPC status (<see cref="Services.RefusalStatus"/>), so the rules behind them know nothing of gRPC.</summary>
internal enum RefusalKind
{
    /// <summary>The request itself is malformed or breaks a schema rule (INVALID_ARGUMENT).</summary>
    Invalid,

    /// <summary>The request does not fit the current state: a stale version, a cursor ahead, a clock ahead (FAILED_PRECONDITION).</summary>
    Precondition,

    /// <summary>The caller may not do or see this (PERMISSION_DENIED).</summary>
    Denied,

    /// <summary>Over a size or count bound (RESOURCE_EXHAUSTED).</summary>
    TooLarge,

    /// <summary>No such document, flag or device (NOT_FOUND).</summary>
    NotFound,

    /// <summary>Stored data is damaged and cannot be served (DATA_LOSS).</summary>
    DataLoss,

    /// <summary>The store cannot serve now; nothing was applied, retry later (UNAVAILABLE).</summary>
    Unavailable,

    /// <summary>This relay does not offer what was asked, whatever is retried (UNIMPLEMENTED).</summary>
    Unsupported,
}

/// <summary>A request the relay refuses, with its kind and a message naming the document, field
/// and reason. Nothing of the request was applied when it is thrown.</summary>
internal sealed class RelayRefusal(RefusalKind kind, string message) : Exception(message)
{
    public RefusalKind Kind { get; } = kind;

    public static RelayRefusal Invalid(string message) => new(RefusalKind.Invalid, message);
    public static RelayRefusal Precondition(string message) => new(RefusalKind.Precondition, message);
    public static RelayRefusal Denied(string message) => new(RefusalKind.Denied, message);
    public static RelayRefusal TooLarge(string message) => new(RefusalKind.TooLarge, message);
    public static RelayRefusal NotFound(string message) => new(RefusalKind.NotFound, message);
}
