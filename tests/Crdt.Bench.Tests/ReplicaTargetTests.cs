using Crdt.Bench.Replica;
using Crdt.Bench.Workloads;
using Crdt.Replica;

namespace Crdt.Bench.Tests;

/// <summary>
/// Guards the replica target the same way as the memory one: the states it measures, read back
/// from real SQLite files, must be the plain replay's, and the cold reopen must see them.
/// </summary>
public sealed class ReplicaTargetTests
{
    [Fact]
    public void Replica_target_reaches_the_plain_replay_states_through_sqlite()
    {
        var inputs = new WorkloadInputs(new WorkloadScale(0.003));
        using var target = new ReplicaTarget(ReplicaDurability.ProcessCrashOnly);
        var figures = target.RunOnce(inputs);

        Assert.Equal(inputs.W1ReferenceDigest, figures.W1!.Digest);
        Assert.Equal(inputs.W2ReferenceDigest, figures.W2!.Digest);
        Assert.Null(figures.W2.ApplyMs);
        Assert.True(figures.W1.EncodedBytes > 0, "the replica database file is empty");
        Assert.True(figures.W4!.Bytes > 0);
    }
}
