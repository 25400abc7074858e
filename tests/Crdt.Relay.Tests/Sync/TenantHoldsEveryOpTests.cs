using Crdt.Core;
using Crdt.Relay.Sync;

namespace Crdt.Relay.Tests.Sync;

/// <summary>
/// An acknowledgement counts only when the tenant holds every op of the replica up to what the device
/// says it made (a missing op could still arrive under a horizon that already covers it). The tenant
/// remembers a yes (what it holds only grows); a remembered yes must never answer for a higher sequence.
/// </summary>
public sealed class TenantHoldsEveryOpTests
{
    private static readonly ReplicaId Phone = new("phone-1");
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-1");

    [Fact]
    public void A_yes_once_given_answers_only_up_to_its_sequence_and_a_gap_stays_a_no_until_filled()
    {
        var tenant = new TenantState("default", SchemaRegistry.CreateDefault(), new ReplicaId("relay"));
        Apply(tenant, 1, 2, 3);

        Assert.True(tenant.HoldsEveryOp(Phone.Value, 3));
        Assert.True(tenant.HoldsEveryOp(Phone.Value, 2));
        Assert.False(tenant.HoldsEveryOp(Phone.Value, 5));

        Apply(tenant, 5);
        Assert.False(tenant.HoldsEveryOp(Phone.Value, 5)); // 4 is still missing
        Assert.False(tenant.HoldsEveryOp(Phone.Value, 4));
        Assert.True(tenant.HoldsEveryOp(Phone.Value, 3));

        Apply(tenant, 4);
        Assert.True(tenant.HoldsEveryOp(Phone.Value, 5));
        Assert.False(tenant.HoldsEveryOp(Phone.Value, 6));
        Assert.False(tenant.HoldsEveryOp("another-phone", 1));
        Assert.True(tenant.HoldsEveryOp("another-phone", 0));
    }

    private static void Apply(TenantState tenant, params long[] sequences)
    {
        var ops = sequences.Select(seq =>
        {
            var op = new Op(new Dot(Phone, seq), new Hlc(1_700_000_000_000 + seq, 0, Phone), "tech", Order, new VersionVector(),
                [new SetField(WorkOrderFields.Title, FieldValue.String($"visit {seq}"))]);
            return new CommittedOp(tenant.Head + seq, op, OpCodec.Encode(op));
        }).ToList();
        tenant.Apply(ops, tenant.Head + sequences.Length);
    }
}
