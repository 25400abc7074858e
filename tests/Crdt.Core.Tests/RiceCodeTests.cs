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
            var (k, bytes) = RiceCode.Best(gaps);
            Assert.Equal(gaps, RiceCode.Decode(RiceCode.Encode(gaps, k, bytes), k));
            var anyBytes = (int)((gaps.Sum(g => (long)(g >> anyK) + 1 + anyK) + 7) / 8);
            Assert.Equal(gaps, RiceCode.Decode(RiceCode.Encode(gaps, anyK, anyBytes), anyK));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Encode_writes_the_bits_of_the_code_as_defined_for_long_quotients_and_wide_k()
    {
        // The encoder gathers bits a word at a time: it must still write, bit for bit, q one-bits, a zero-bit,
        // the low k bits most significant first, and one-bits up to the byte (quotients past 32, k up to MaxK).
        var codes = Gen.Choose(0, 100).Zip(Gen.Choose(0, int.MaxValue)).ArrayOf();
        Prop.ForAll(codes.ToArbitrary(), Gen.Choose(0, RiceCode.MaxK).ToArbitrary(), (parts, k) =>
        {
            // Each value from its quotient (0-100) and low bits spread over all k of them; gaps are never 0.
            var values = parts.Select(p => Math.Max(1UL, ((ulong)p.Item1 << k) | ((ulong)p.Item2 * 0x9E3779B97F4A7C15UL & ((1UL << k) - 1)))).ToArray();
            var bits = new System.Text.StringBuilder();
            foreach (var value in values)
            {
                bits.Append('1', (int)(value >> k)).Append('0');
                for (var b = k - 1; b >= 0; b--)
                {
                    bits.Append((value >> b & 1) == 1 ? '1' : '0');
                }
            }
            while (bits.Length % 8 != 0)
            {
                bits.Append('1');
            }
            var expected = Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.ToString(i * 8, 8), 2)).ToArray();
            Assert.Equal(expected, RiceCode.Encode(values, k, expected.Length));
            Assert.Equal(values, RiceCode.Decode(expected, k));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_known_list_encodes_to_known_bits()
    {
        // k = 2: 5 = 1 one, 0, "01"; 2 = 0, "10"; 9 = 11, 0, "01" -> 1001 0101 1001 + padding 1111.
        var encoded = RiceCode.Encode([5, 2, 9], 2, 2);
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
