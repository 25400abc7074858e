namespace Crdt.Bench.Workloads;

/// <summary>
/// The mulberry32 generator exactly as BENCH-WORKLOADS.md defines it, so that our op streams
/// are bit-for-bit the ones the JavaScript peers (Yjs, Automerge) replay.
/// All arithmetic is uint32; multiplication keeps the low 32 bits like JavaScript's Math.imul.
/// </summary>
public sealed class Mulberry32
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    private uint _state;

    public Mulberry32(uint seed) => _state = seed;

    /// <summary>A double in [0, 1).</summary>
    public double Next()
    {
        unchecked
        {
            _state += 0x6D2B79F5u;
            uint a = _state;
            uint t = (a ^ (a >> 15)) * (1u | a);
            t = (t + (t ^ (t >> 7)) * (61u | t)) ^ t;
            return (t ^ (t >> 14)) / 4294967296.0;
        }
    }

    /// <summary>floor(next() * n), computed in doubles as JavaScript does.</summary>
    public int NextInt(int n) => (int)Math.Floor(Next() * n);

    /// <summary><paramref name="length"/> characters drawn from [a-z0-9].</summary>
    public string NextString(int length)
    {
        return string.Create(length, this, static (span, rng) =>
        {
            for (int i = 0; i < span.Length; i++) span[i] = Alphabet[rng.NextInt(Alphabet.Length)];
        });
    }
}
