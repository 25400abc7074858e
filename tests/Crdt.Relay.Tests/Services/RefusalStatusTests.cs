using Crdt.Relay.Services;
using Crdt.Relay.Sync;
using Grpc.Core;

namespace Crdt.Relay.Tests.Services;

/// <summary>Guards the service edge's mapping of refusal kinds to gRPC statuses: a kind left unmapped
/// or mapped to UNKNOWN would reach devices as a fault instead of a refusal they can act on.</summary>
public sealed class RefusalStatusTests
{
    // Kinds are internal to the relay: the theory takes their numbers.
    [Theory]
    [InlineData((int)RefusalKind.Invalid, StatusCode.InvalidArgument)]
    [InlineData((int)RefusalKind.Precondition, StatusCode.FailedPrecondition)]
    [InlineData((int)RefusalKind.Denied, StatusCode.PermissionDenied)]
    [InlineData((int)RefusalKind.TooLarge, StatusCode.ResourceExhausted)]
    [InlineData((int)RefusalKind.NotFound, StatusCode.NotFound)]
    [InlineData((int)RefusalKind.DataLoss, StatusCode.DataLoss)]
    [InlineData((int)RefusalKind.Unavailable, StatusCode.Unavailable)]
    [InlineData((int)RefusalKind.Unsupported, StatusCode.Unimplemented)]
    public void Each_refusal_kind_is_answered_with_its_status(int kind, StatusCode expected) =>
        Assert.Equal(expected, RefusalStatus.CodeOf(new RelayRefusal((RefusalKind)kind, "why")));

    [Fact]
    public void Every_refusal_kind_has_a_status() =>
        Assert.All(Enum.GetValues<RefusalKind>(), kind => Assert.NotEqual(StatusCode.Unknown, RefusalStatus.CodeOf(kind)));
}
