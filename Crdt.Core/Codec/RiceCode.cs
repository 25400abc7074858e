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

    /// <summary>The k that codes <paramref name="values"/> in the fewest bits (the smallest such k), and that size in bytes.</summary>
    public static (int K, int Bytes) Best(ReadOnlySpan<ulong> values)
    {
        var bestK = 0;
        var bestBits = long.MaxValue;
        // The best k is near log2 of the mean value: try a few around it.
        ulong sum = 0;
        foreach (var value in values)
        {
            sum += value;
        }
        var count = Math.Max(1, values.Length);
        var center = 63 - BitOperations.LeadingZeroCount(Math.Max(1UL, sum / (ulong)count));
        for (var k = Math.Max(0, center - 3); k <= Math.Min(24, center + 2); k++)
        {
            // Each code is its quotient's one-bits, a zero-bit and k low bits.
            long bits = (long)values.Length * (k + 1);
            foreach (var value in values)
            {
                var quotient = value >> k;
                if (quotient > MaxQuotient)
                {
                    // A unary run this long never pays (and a huge gap, e.g. a sequence near 2^63,
                    // overflowed this sum into a buffer too small for Encode: found by the fuzzer).
                    bits = long.MaxValue;
                    break;
                }
                bits += (long)quotient;
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

    /// <summary>
    /// Codes <paramref name="values"/> with <paramref name="k"/> into exactly <paramref name="bytes"/> bytes (the size
    /// <see cref="Best"/> or the caller computed for that k). Bits are gathered in a 64-bit word, most significant
    /// first, and stored a byte at a time as they fill: a run's few hundred bits cost a few dozen stores.
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<ulong> values, int k, int bytes)
    {
        var output = new byte[bytes];
        EncodeInto(values, k, output);
        return output;
    }

    /// <summary><see cref="Encode"/> into <paramref name="output"/>, exactly the size Best or the caller computed (a snapshot writes straight into its buffer).</summary>
    public static void EncodeInto(ReadOnlySpan<ulong> values, int k, Span<byte> output)
    {
        var writer = new BitWriter(output);
        foreach (var value in values)
        {
            var quotient = value >> k;
            while (quotient >= 32)
            {
                writer.Put(uint.MaxValue, 32);
                quotient -= 32;
            }
            // The quotient's one-bits followed by the zero-bit, in one go.
            writer.Put(((1UL << (int)quotient) - 1) << 1, (int)quotient + 1);
            // The low k bits, at most 32 at a time (k may be up to MaxK).
            for (var left = k; left > 0;)
            {
                var take = Math.Min(left, 32);
                left -= take;
                writer.Put((value >> left) & ((1UL << take) - 1), take);
            }
        }
        writer.PadWithOnes();
    }

    /// <summary>Bits appended most significant first; whole bytes go to the output as soon as they are complete.</summary>
    private ref struct BitWriter(Span<byte> output)
    {
        private readonly Span<byte> _output = output;
        private ulong _pending;
        private int _pendingBits;
        private int _at;

        /// <summary>Appends the low <paramref name="count"/> (at most 32) bits of <paramref name="bits"/>.</summary>
        public void Put(ulong bits, int count)
        {
            _pending = (_pending << count) | bits;
            _pendingBits += count;
            while (_pendingBits >= 8)
            {
                _pendingBits -= 8;
                _output[_at++] = (byte)(_pending >> _pendingBits);
            }
        }

        /// <summary>Fills the last byte with one-bits, which never complete a code.</summary>
        public void PadWithOnes()
        {
            if (_pendingBits > 0)
            {
                Put((1UL << (8 - _pendingBits)) - 1, 8 - _pendingBits);
            }
        }
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
