using System.Text;
using Crdt.Core.Merge;

namespace Crdt.Core.Codec;

/// <summary>
/// A snapshot's string pool (DocumentSnapshot.string_lengths and string_bytes): the UTF-8 bytes of
/// many strings one after another with their lengths in a packed column, one byte of length each
/// instead of a tag and a length per string. Sections take the strings in the order they are read.
/// </summary>
internal struct StringPool
{
    private static readonly UTF8Encoding s_strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private string[] _strings;
    private int _next;
    private DocumentKey _key;

    public static StringPool Read(Column<uint> lengths, ReadOnlySpan<byte> bytes, DocumentKey key)
    {
        var strings = lengths.Count == 0 ? [] : new string[lengths.Count];
        var at = 0;
        for (var i = 0; i < strings.Length; i++)
        {
            var length = lengths[i];
            if (length > (uint)(bytes.Length - at))
            {
                throw new OpDecodeException($"{SnapshotReader.WhereOf(key.Collection, key.Id)}: string {i + 1} of the string pool has length {length}, past the {bytes.Length} bytes of the pool");
            }
            try
            {
                strings[i] = s_strict.GetString(bytes.Slice(at, (int)length));
            }
            catch (DecoderFallbackException e)
            {
                throw new OpDecodeException($"{SnapshotReader.WhereOf(key.Collection, key.Id)}: string {i + 1} of the string pool is not valid UTF-8", e);
            }
            at += (int)length;
        }
        if (at != bytes.Length)
        {
            throw new OpDecodeException($"{SnapshotReader.WhereOf(key.Collection, key.Id)}: the string pool has {bytes.Length - at} bytes no length covers");
        }
        return new StringPool { _strings = strings, _key = key };
    }

    /// <summary>The next string; an error naming <paramref name="what"/> when none is left.</summary>
    public string Take(string what, string name) => _next < _strings.Length
        ? _strings[_next++]
        : throw new OpDecodeException($"{SnapshotReader.WhereOf(_key.Collection, _key.Id)}: {what} '{name}' takes its value from the string pool, but its {_strings.Length} strings are used up");

    /// <summary>The next string, or null when none is left.</summary>
    public string? TakeOptional() => _next < _strings.Length ? _strings[_next++] : null;

    public readonly void EnsureAllTaken()
    {
        if (_next != _strings.Length)
        {
            throw new OpDecodeException($"{SnapshotReader.WhereOf(_key.Collection, _key.Id)}: {_strings.Length - _next} strings of the string pool are left over");
        }
    }
}
