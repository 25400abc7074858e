using Crdt.Replica.Internal.Sync;

namespace Crdt.Replica.Tests.Sync;

/// <summary>Guards reading the op a relay names in a refused batch: only an index inside the batch counts, anything else is no hint.</summary>
public sealed class RefusalHintTests
{
    [Theory]
    [InlineData("op #3 (dev-1:7) on WorkOrder/WO-1: outside the scope of ana", 10, 3)]
    [InlineData("op #0 (dev-1:1) on Part/P-1, field 'sku': required when creating a Part", 1, 0)]
    [InlineData("op #12 (dev-1:7) on WorkOrder/WO-1: stamped too far ahead", 12, null)]
    [InlineData("op dev-1:7 on WorkOrder/WO-1: that dot is already stored with different content", 10, null)]
    [InlineData("op #99999999999 on WorkOrder/WO-1", 10, null)]
    [InlineData(null, 10, null)]
    public void The_named_op_is_used_only_when_it_is_inside_the_batch(string? detail, int batchSize, int? expected) =>
        Assert.Equal(expected, RefusalHint.NamedOp(detail, batchSize));
}
