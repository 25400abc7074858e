using Crdt.Bench.Replica;
using Crdt.Bench.Workloads;
using Crdt.Replica;

namespace Crdt.Bench.Tests;

/// <summary>
/// Guards the replica target the same way as the memory one: the states it measures, read back
/// from real SQLite files, must be the plain replay's; B must equal A after taking in A's
/// outbox; W3 must converge with every add on both devices; the cold reopen must see it all.
/// </summary>
public sealed class ReplicaTargetTests
{
    [Fact]
    public void Replica_target_reaches_the_plain_replay_states_and_converges_through_sqlite()
    {
        var inputs = new WorkloadInputs(new WorkloadScale(0.005));
        using var target = new ReplicaTarget(ReplicaDurability.ProcessCrashOnly);
        var figures = target.RunOnce(inputs);

        var plain = PlainReplay.OfW1(inputs.W1);
        Assert.Equal(plain.Digest(), figures.W1!.Digest);
        plain.Apply(inputs.W2);
        Assert.Equal(plain.Digest(), figures.W2!.Digest);
        Assert.True(figures.W2.Equal, "after W2's exchange B differs from A (state or version vectors)");
        Assert.True(figures.W3!.Converged, "after W3's exchange A and B differ");
        Assert.True(figures.W3.AddsAllPresent, "a concurrent W3 add is missing");
        Assert.True(figures.W1.EncodedBytes > 0, "the replica database file is empty");
        Assert.True(figures.W2.UpdateBytes > 0 && figures.W3.ExchangeBytes > 0 && figures.W4!.Bytes > 0);
    }
}
