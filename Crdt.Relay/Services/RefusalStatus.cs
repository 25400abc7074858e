using Crdt.Relay.Sync;
using Grpc.Core;

namespace Crdt.Relay.Services;

/// <summary>The gRPC status that answers each kind of refusal: the one place the relay's rules meet gRPC codes.</summary>
internal static class RefusalStatus
{
    public static StatusCode CodeOf(RefusalKind kind) => kind switch
    {
        RefusalKind.Invalid => StatusCode.InvalidArgument,
        RefusalKind.Precondition => StatusCode.FailedPrecondition,
        RefusalKind.Denied => StatusCode.PermissionDenied,
        RefusalKind.TooLarge => StatusCode.ResourceExhausted,
        RefusalKind.NotFound => StatusCode.NotFound,
        RefusalKind.DataLoss => StatusCode.DataLoss,
        RefusalKind.Unavailable => StatusCode.Unavailable,
        RefusalKind.Unsupported => StatusCode.Unimplemented,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "a refusal kind with no gRPC status"),
    };

    public static StatusCode CodeOf(RelayRefusal refusal) => CodeOf(refusal.Kind);
}
