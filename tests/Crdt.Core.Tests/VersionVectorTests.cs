using Crdt.Core;
using FsCheck;
using FsCheck.Fluent;

namespace Crdt.Core.Tests;

/// <summary>Guards the one causal type: comparison, coverage, merge laws and freezing.</summary>
public sealed class VersionVectorTests
{
    private static readonly ReplicaId A = new("a"), B = new("b"), C = new("c");

    private static VersionVector Of(params (ReplicaId Replica, long Seq)[] entries) =>
        new(entries.Select(e => new KeyValuePair<ReplicaId, long>(e.Replica, e.Seq)));

    [Fact]
    public void Compare_tells_same_before_after_and_concurrent()
    {
        Assert.Equal(VersionOrdering.Same, Of((A, 2), (B, 1)).Compare(Of((B, 1), (A, 2))));
        Assert.Equal(VersionOrdering.Before, Of((A, 1)).Compare(Of((A, 2))));
        Assert.Equal(VersionOrdering.Before, Of((A, 1)).Compare(Of((A, 1), (B, 1))));
        Assert.Equal(VersionOrdering.After, Of((A, 3), (C, 1)).Compare(Of((A, 3))));
        Assert.Equal(VersionOrdering.Concurrent, Of((A, 2)).Compare(Of((B, 1))));
        Assert.Equal(VersionOrdering.Concurrent, Of((A, 2), (B, 1)).Compare(Of((A, 1), (B, 2))));
    }

    [Fact]
    public void Covers_and_observe_track_the_highest_sequence()
    {
        var vector = new VersionVector();
        vector.Observe(new Dot(A, 3));
        vector.Observe(new Dot(A, 2));
        Assert.Equal(3, vector.Get(A));
        Assert.True(vector.Covers(new Dot(A, 3)));
        Assert.False(vector.Covers(new Dot(A, 4)));
        Assert.False(vector.Covers(new Dot(B, 1)));
        Assert.Equal(0, vector.Get(B));
    }

    [Fact]
    public void A_frozen_vector_refuses_changes_and_clones_are_independent()
    {
        var frozen = Of((A, 1)).Freeze();
        Assert.Throws<InvalidOperationException>(() => frozen.Observe(new Dot(A, 2)));
        var copy = frozen.Clone();
        copy.Observe(new Dot(B, 4));
        Assert.Equal(0, frozen.Get(B));
        Assert.Equal(4, copy.Get(B));
        Assert.Equal(Of((B, 4)), copy.CloneWithout(A));
    }

    private static readonly Gen<VersionVector> Vectors =
        Gen.ArrayOf(Gen.Zip(Gen.Elements(A, B, C), Gen.Choose(1, 5)))
            .Select(entries => Of(entries.Select(e => (e.Item1, (long)e.Item2)).ToArray()));

    [Fact]
    public void Merge_is_the_least_upper_bound_commutative_associative_idempotent()
    {
        Prop.ForAll(Arb.From(Vectors), Arb.From(Vectors), Arb.From(Vectors), (x, y, z) =>
        {
            VersionVector Merge(VersionVector l, VersionVector r)
            {
                var m = l.Clone();
                m.Merge(r);
                return m;
            }
            Assert.Equal(Merge(x, y), Merge(y, x));
            Assert.Equal(Merge(Merge(x, y), z), Merge(x, Merge(y, z)));
            Assert.Equal(x, Merge(x, x));
            var xy = Merge(x, y);
            Assert.Contains(x.Compare(xy), new[] { VersionOrdering.Before, VersionOrdering.Same });
            Assert.Contains(xy.Compare(y), new[] { VersionOrdering.After, VersionOrdering.Same });
            var expected = x.Compare(y);
            var reversed = y.Compare(x);
            Assert.Equal(expected switch { VersionOrdering.Before => VersionOrdering.After, VersionOrdering.After => VersionOrdering.Before, _ => expected }, reversed);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000).WithQuietOnSuccess(true));
    }
}
