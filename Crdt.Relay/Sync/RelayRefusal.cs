using Grpc.Core;

namespace Crdt.Relay.Sync;

/// <summary>A request the relay refuses, with the gRPC status to answer and a message naming the
/// document, field and reason. Nothing of the request was applied when it is thrown.</summary>
internal sealed class RelayRefusal(StatusCode code, string message) : Exception(message)
{
    public StatusCode Code { get; } = code;

    public static RelayRefusal Invalid(string message) => new(StatusCode.InvalidArgument, message);
    public static RelayRefusal Precondition(string message) => new(StatusCode.FailedPrecondition, message);
    public static RelayRefusal Denied(string message) => new(StatusCode.PermissionDenied, message);
    public static RelayRefusal TooLarge(string message) => new(StatusCode.ResourceExhausted, message);
    public static RelayRefusal NotFound(string message) => new(StatusCode.NotFound, message);
}
