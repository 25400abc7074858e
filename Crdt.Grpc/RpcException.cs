namespace Crdt.Grpc;

/// <summary>
/// A call ended with a non-OK status. Servers throw it from a handler to end the call with that
/// status (and optional trailers); clients receive it when the call they made fails.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status)
        : this(status, new Metadata())
    {
    }

    public RpcException(Status status, Metadata trailers)
        : base(status.ToString())
    {
        Status = status;
        Trailers = trailers;
    }

    public RpcException(StatusCode code, string detail)
        : this(new Status(code, detail))
    {
    }

    public RpcException(StatusCode code, string detail, Metadata trailers)
        : this(new Status(code, detail), trailers)
    {
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>Trailers sent (by a server) or received (by a client) with the status.</summary>
    public Metadata Trailers { get; }
}
