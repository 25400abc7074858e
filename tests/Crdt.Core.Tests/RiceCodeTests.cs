using Crdt.Core.Codec;
using FsCheck;
using FsCheck.Fluent;

namespace Crdt.Core.Tests;

/// <summary>The Golomb-Rice code of op runs' sequence gaps: exact round trips, and refusal of cut-off or oversized codes.</summary>
public sealed class RiceCodeTests
{
    [Fact]
    public void Any_list_of_gaps_round_trips_with_the_best_k_and_with_every_k()
    {
        Prop.ForAll(Gen.Choose(1, 5000).Select(i => (ulong)i).ArrayOf().ToArbitrary(), Gen.Choose(0, 12).ToArbitrary(), (gaps, anyK) =>
        {
            var values = new List<ulong> { 0 };
            values.AddRange(gaps);
            var (k, bytes) = RiceCode.Best(values, 1);
            Assert.Equal(gaps, RiceCode.Decode(RiceCode.Encode(values, 1, k, bytes), k));
            var anyBytes = (int)((gaps.Sum(g => (long)(g >> anyK) + 1 + anyK) + 7) / 8);
            Assert.Equal(gaps, RiceCode.Decode(RiceCode.Encode(values, 1, anyK, anyBytes), anyK));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_known_list_encodes_to_known_bits()
    {
        // k = 2: 5 = 1 one, 0, "01"; 2 = 0, "10"; 9 = 11, 0, "01" -> 1001 0101 1001 + padding 1111.
        var encoded = RiceCode.Encode([0, 5, 2, 9], 1, 2, 2);
        Assert.Equal("959f", Convert.ToHexStringLower(encoded));
        Assert.Equal(new ulong[] { 5, 2, 9 }, RiceCode.Decode(encoded, 2));
    }

    [Fact]
    public void Cut_off_codes_and_overflowing_values_are_refused()
    {
        // A zero-bit followed by fewer than k bits.
        Assert.Null(RiceCode.Decode([0b1000_0000], 8));
        // A run of one-bits longer than padding can be.
        Assert.Null(RiceCode.Decode([0xff, 0xff], 2));
        // A zero (gaps are never 0): k = 2, "0" "00" then padding.
        Assert.Null(RiceCode.Decode([0b0001_1111], 2));
        // A value that does not fit 64 bits: q = 2 with k = 63 (k is capped anyway).
        Assert.Null(RiceCode.Decode([0b1101_0000], RiceCode.MaxK + 1));
    }
}
