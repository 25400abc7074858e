using System.Numerics;

namespace Crdt.Core.Codec;

/// <summary>
/// Golomb-Rice code for lists of positive integers whose size is about known (an op run's sequence
/// gaps): each value v is written as q = v >> k one-bits, a zero-bit, then the low k bits of v, most
/// significant bit first. Gaps of a few hundred cost about 11 bits instead of a 2-byte varint. The
/// last byte is padded with one-bits, which never complete a code, so no count is needed.
/// This is an integer encoding, like the varint it replaces: no dictionary, no general compression.
/// </summary>
internal static class RiceCode
{
    /// <summary>The largest k a decoder accepts.</summary>
    public const int MaxK = 40;

    /// <summary>Largest unary part considered: 2^20 bits (128 KiB) for one value, far beyond any run that beats varints.</summary>
    private const ulong MaxQuotient = 1UL << 20;

    /// <summary>The size <see cref="Best"/> reports when Rice coding cannot pay off: larger than any varint run.</summary>
    public const int Unusable = int.MaxValue / 4;

    /// <summary>The k that codes <paramref name="values"/> in the fewest bits, and that size in bytes.</summary>
    public static (int K, int Bytes) Best(IReadOnlyList<ulong> values, int start)
    {
        var bestK = 0;
        var bestBits = long.MaxValue;
        // The best k is near log2 of the mean value: try a few around it.
        ulong sum = 0;
        for (var i = start; i < values.Count; i++)
        {
            sum += values[i];
        }
        var count = Math.Max(1, values.Count - start);
        var center = 63 - BitOperations.LeadingZeroCount(Math.Max(1UL, sum / (ulong)count));
        for (var k = Math.Max(0, center - 3); k <= Math.Min(24, center + 2); k++)
        {
            long bits = 0;
            for (var i = start; i < values.Count; i++)
            {
                var quotient = values[i] >> k;
                if (quotient > MaxQuotient)
                {
                    // A unary run this long never pays (and a huge gap, e.g. a sequence near 2^63,
                    // overflowed this sum into a buffer too small for Encode: found by the fuzzer).
                    bits = long.MaxValue;
                    break;
                }
                bits += (long)quotient + 1 + k;
            }
            if (bits < bestBits)
            {
                bestBits = bits;
                bestK = k;
            }
        }
        // No k fits: report a size no caller will choose over plain varints.
        if (bestBits == long.MaxValue)
        {
            return (0, Unusable);
        }

        return (bestK, (int)((bestBits + 7) / 8));
    }

    public static byte[] Encode(IReadOnlyList<ulong> values, int start, int k, int bytes)
    {
        var output = new byte[bytes];
        long bit = 0;
        void Put(bool one)
        {
            if (one)
            {
                output[bit >> 3] |= (byte)(0x80 >> (int)(bit & 7));
            }
            bit++;
        }
        for (var i = start; i < values.Count; i++)
        {
            var value = values[i];
            for (var q = value >> k; q > 0; q--)
            {
                Put(true);
            }
            Put(false);
            for (var b = k - 1; b >= 0; b--)
            {
                Put(((value >> b) & 1) != 0);
            }
        }
        while ((bit & 7) != 0)
        {
            Put(true);
        }
        return output;
    }

    /// <summary>Decodes every complete code; null when a value is 0 or does not fit 64 bits, a code is cut off or k is out of range.</summary>
    public static List<ulong>? Decode(ReadOnlySpan<byte> bytes, int k)
    {
        var values = new List<ulong>();
        return DecodeInto(bytes, k, values) ? values : null;
    }

    /// <summary>
    /// <see cref="Decode"/> appending to <paramref name="values"/> (a list reused from document to document);
    /// false, with part of the values possibly appended, where Decode returns null.
    /// </summary>
    public static bool DecodeInto(ReadOnlySpan<byte> bytes, int k, List<ulong> values)
    {
        if (k is < 0 or > MaxK)
        {
            return false;
        }
        long total = (long)bytes.Length * 8;
        // Values are gaps, never 0, so every code takes at least max(2, k + 1) bits: an upper bound of
        // the count, so the list never grows (and a hostile message cannot make it larger than that).
        values.EnsureCapacity(values.Count + (int)(total / Math.Max(2, k + 1)));
        long bit = 0;
        while (true)
        {
            // The unary part, a byte at a time: count the one-bits up to the terminating zero-bit.
            ulong q = 0;
            while (true)
            {
                if (bit >= total)
                {
                    // Trailing one-bits: the padding of the last byte (fewer than 8), or a cut-off code.
                    return q <= 7;
                }
                var inByte = (int)(bit & 7);
                var available = 8 - inByte;
                var window = (bytes[(int)(bit >> 3)] << inByte) & 0xFF;
                var ones = BitOperations.LeadingZeroCount((uint)(~window & 0xFF) << 24);
                if (ones >= available)
                {
                    q += (ulong)available;
                    bit += available;
                    continue;
                }
                q += (ulong)ones;
                bit += ones + 1;
                break;
            }
            if (bit + k > total || q > ulong.MaxValue >> k)
            {
                return false;
            }
            ulong low = 0;
            for (var need = k; need > 0;)
            {
                var inByte = (int)(bit & 7);
                var take = Math.Min(8 - inByte, need);
                var bits = (bytes[(int)(bit >> 3)] >> (8 - inByte - take)) & ((1 << take) - 1);
                low = (low << take) | (uint)bits;
                bit += take;
                need -= take;
            }
            var value = (q << k) | low;
            if (value == 0)
            {
                return false;
            }
            values.Add(value);
        }
    }
}
