using Crdt.Core.Merge;

namespace Crdt.Core.Tests;

/// <summary>
/// Guards the set of applied dots (idempotence rests on it) against its bitmap beyond the contiguous
/// prefix: out-of-order sequences, the prefix catching up across words, the bitmap's base moving, and
/// sequences too far ahead for the bitmap, all compared with a plain hash set.
/// </summary>
public sealed class DotTrackerTests
{
    private static readonly ReplicaId A = new("rep-a"), B = new("rep-b");

    [Fact]
    public void Out_of_order_sequences_match_a_plain_set_of_dots()
    {
        var random = new Random(7);
        var tracker = new DotTracker();
        var reference = new HashSet<Dot>();
        var order = new List<long>();
        // Interleaved like documents loaded one by one: every 50th sequence per document, 100 documents.
        for (var doc = 0; doc < 100; doc++)
        {
            for (long seq = doc + 1; seq <= 5_000; seq += 100)
            {
                order.Add(seq);
            }
        }
        // Far-away sequences (beyond the bitmap) and duplicates.
        order.AddRange([10_000_000, 4_194_400, 4_194_304 + 5_000, 3, 77, 10_000_000]);
        foreach (var seq in order)
        {
            var replica = random.Next(4) == 0 ? B : A;
            var dot = new Dot(replica, seq);
            Assert.Equal(reference.Add(dot), tracker.Add(dot));
        }
        for (long seq = 1; seq <= 5_100; seq++)
        {
            Assert.Equal(reference.Contains(new Dot(A, seq)), tracker.Contains(new Dot(A, seq)));
            Assert.Equal(reference.Contains(new Dot(B, seq)), tracker.Contains(new Dot(B, seq)));
        }
        foreach (var far in new long[] { 4_194_400, 4_199_304, 10_000_000, 10_000_001, 4_194_304 })
        {
            Assert.Equal(reference.Contains(new Dot(A, far)) || reference.Contains(new Dot(B, far)),
                tracker.Contains(new Dot(A, far)) || tracker.Contains(new Dot(B, far)));
        }
        var maxima = tracker.Maxima();
        Assert.Equal(reference.Where(d => d.Replica == A).Max(d => d.Seq), maxima.Get(A));
        Assert.Equal(reference.Where(d => d.Replica == B).Max(d => d.Seq), maxima.Get(B));
    }

    [Fact]
    public void Random_adds_in_any_order_match_a_plain_set_and_the_prefix_closes_over_gaps()
    {
        var random = new Random(11);
        for (var round = 0; round < 20; round++)
        {
            var tracker = new DotTracker();
            var reference = new HashSet<long>();
            var count = random.Next(1, 3_000);
            var seqs = Enumerable.Range(1, count).Select(i => (long)i).OrderBy(_ => random.Next()).ToList();
            foreach (var seq in seqs.Concat(seqs.Take(count / 3)))
            {
                Assert.Equal(reference.Add(seq), tracker.Add(new Dot(A, seq)));
                var probe = random.Next(1, count + 64);
                Assert.Equal(reference.Contains(probe), tracker.Contains(new Dot(A, probe)));
            }
            // Every sequence 1..count present: each is held, the next is not, and it is new.
            Assert.True(tracker.Contains(new Dot(A, count)));
            Assert.False(tracker.Contains(new Dot(A, count + 1)));
            Assert.True(tracker.Add(new Dot(A, count + 1)));
        }
    }

    [Fact]
    public void Adding_runs_at_once_matches_adding_their_dots_one_by_one()
    {
        var random = new Random(11);
        var byRun = new DotTracker();
        var byDot = new DotTracker();
        var author = "someone";
        for (var r = 0; r < 300; r++)
        {
            // Runs of one replica as a load meets them: a few sequences each, strided, sometimes repeating dots already added.
            var replica = random.Next(3) == 0 ? B : A;
            var start = random.Next(1, 3_000);
            var stride = random.Next(1, 40);
            var run = new OpRecord[random.Next(0, 8)];
            for (var i = 0; i < run.Length; i++)
            {
                run[i] = new OpRecord(new CausalRecord(new Dot(replica, start + (i * stride)), VersionVector.Empty, author), OpKind.Edit);
            }
            var expectedNew = 0;
            foreach (var record in run)
            {
                expectedNew += byDot.Add(record.Causal.Dot) ? 1 : 0;
            }
            Assert.Equal(expectedNew, byRun.AddRun(run));
        }
        Assert.Equal(byDot.PrefixOf(A), byRun.PrefixOf(A));
        Assert.Equal(byDot.PrefixOf(B), byRun.PrefixOf(B));
        Assert.Equal(byDot.Maxima(), byRun.Maxima());
        for (long seq = 1; seq <= 3_400; seq++)
        {
            Assert.Equal(byDot.Contains(new Dot(A, seq)), byRun.Contains(new Dot(A, seq)));
            Assert.Equal(byDot.Contains(new Dot(B, seq)), byRun.Contains(new Dot(B, seq)));
        }
    }
}
