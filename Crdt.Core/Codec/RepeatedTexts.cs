using System.Text;

namespace Crdt.Core.Codec;

/// <summary>
/// The texts a batch of ops repeats from op to op (a device's replica id and its author, the collection,
/// the few documents it edits, field names), each made into a string once per batch rather than once per
/// op: <see cref="CanonicalOpForm"/> reading a push of a device's ops allocated those strings for every op
/// (issue 11), and ops that share their strings also compare them by reference first when applied. A small
/// table, one entry per slot, replaced on collision: a miss costs a copy of the bytes as well, so texts
/// that are new in every op (an added element's id, a value) are not looked up here. Not thread-safe:
/// one per batch read.
/// </summary>
internal sealed class RepeatedTexts
{
    private const int Slots = 64;

    private readonly byte[]?[] _bytes = new byte[Slots][];
    private readonly string?[] _texts = new string[Slots];

    /// <summary>The string of <paramref name="utf8"/>, which the caller has found to be valid UTF-8, when
    /// this batch has already met it; null otherwise (then <see cref="Remember"/> it).</summary>
    public string? Find(ReadOnlySpan<byte> utf8)
    {
        var slot = SlotOf(utf8);
        return _bytes[slot] is { } known && known.AsSpan().SequenceEqual(utf8) ? _texts[slot] : null;
    }

    /// <summary>Makes the string of valid UTF-8 <paramref name="utf8"/> and keeps it for the rest of the batch.</summary>
    public string Remember(ReadOnlySpan<byte> utf8)
    {
        var slot = SlotOf(utf8);
        var text = Encoding.UTF8.GetString(utf8);
        _bytes[slot] = utf8.ToArray();
        _texts[slot] = text;
        return text;
    }

    /// <summary>FNV-1a over the bytes: the same slots in every process (HashCode is seeded per process, so
    /// which texts collided, and what a batch allocated, changed from run to run), cheap for short texts.</summary>
    private static int SlotOf(ReadOnlySpan<byte> utf8)
    {
        var hash = 2166136261u;
        foreach (var b in utf8)
        {
            hash = (hash ^ b) * 16777619u;
        }
        return (int)((hash ^ (hash >> 16)) & (Slots - 1));
    }
}
