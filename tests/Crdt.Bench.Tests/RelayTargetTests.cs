using Crdt.Bench.RelayTarget;
using Crdt.Bench.Workloads;

namespace Crdt.Bench.Tests;

/// <summary>
/// Guards the relay target: what B ends with after A's W2 ops went through a real relay
/// (push, store, pull, apply) must be the plain replay's state, and W3 must converge with every add.
/// </summary>
public sealed class RelayTargetTests
{
    [Fact]
    public void Relay_target_delivers_the_plain_replay_state_and_converges_W3()
    {
        var inputs = new WorkloadInputs(new WorkloadScale(0.005));
        using var target = new RelayWorkloadTarget();
        var figures = target.RunOnce(inputs);

        Assert.Equal(inputs.W2ReferenceDigest, figures.W2!.Digest);
        Assert.True(figures.W2.Equal, "B's state after pulling differs from A's");
        Assert.True(figures.W2.UpdateBytes > 0, "no bytes were counted on the wire for W2");
        Assert.True(figures.W3!.Converged, "A and B did not converge after W3's exchange through the relay");
        Assert.True(figures.W3.AddsAllPresent, "an add of W3 is missing after the exchange through the relay");
        Assert.True(figures.W3.ExchangeBytes > 0);
    }
}
