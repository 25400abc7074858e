namespace Crdt.Core.Internal;

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

    /// <summary>The k that codes <paramref name="values"/> in the fewest bits, and that size in bytes.</summary>
    public static (int K, int Bytes) Best(IReadOnlyList<ulong> values, int start)
    {
        var bestK = 0;
        var bestBits = long.MaxValue;
        for (var k = 0; k <= 24; k++)
        {
            long bits = 0;
            for (var i = start; i < values.Count; i++)
            {
                bits += (long)(values[i] >> k) + 1 + k;
            }
            if (bits < bestBits)
            {
                bestBits = bits;
                bestK = k;
            }
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

    /// <summary>Decodes every complete code; null when a value does not fit 64 bits or k is out of range.</summary>
    public static List<ulong>? Decode(ReadOnlySpan<byte> bytes, int k)
    {
        if (k is < 0 or > MaxK)
        {
            return null;
        }
        var values = new List<ulong>();
        long total = (long)bytes.Length * 8;
        long bit = 0;
        bool Get(ReadOnlySpan<byte> data, long at) => (data[(int)(at >> 3)] & (0x80 >> (int)(at & 7))) != 0;
        while (bit < total)
        {
            ulong q = 0;
            while (bit < total && Get(bytes, bit))
            {
                q++;
                bit++;
            }
            if (bit >= total)
            {
                // Trailing one-bits: the padding of the last byte (fewer than 8), or a cut-off code.
                return q <= 7 ? values : null;
            }
            if (bit + 1 + k > total)
            {
                return null;
            }
            bit++; // the zero-bit
            if (q > ulong.MaxValue >> k)
            {
                return null;
            }
            ulong low = 0;
            for (var b = 0; b < k; b++)
            {
                low = (low << 1) | (Get(bytes, bit++) ? 1UL : 0UL);
            }
            values.Add((q << k) | low);
        }
        return values;
    }
}
