using System.Numerics;
using System.Text;
using Google.Protobuf;

namespace Crdt.Core.Codec;

/// <summary>
/// Protobuf wire format written into one growable buffer, reused from document to document: what
/// <see cref="SnapshotEncoder"/> needs to write a <c>DocumentSnapshot</c>'s bytes straight from its lists
/// (the counterpart of <see cref="SnapshotWireReader"/>). Each method writes a field as the generated code
/// would: scalars and strings only when not their default, packed columns only when not empty.
/// </summary>
internal sealed class SnapshotWireWriter
{
    private const int Varint = 0;
    private const int LengthDelimited = 2;

    private byte[] _buffer = new byte[1024];
    private int _length;

    /// <summary>The size of the buffer (kept for the next document while it stays small).</summary>
    public int Capacity => _buffer.Length;

    public void Clear() => _length = 0;

    /// <summary>The bytes written since <see cref="Clear"/>, copied out.</summary>
    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    /// <summary>The number of bytes <paramref name="value"/> takes as a varint.</summary>
    public static int VarintSize(ulong value) => (BitOperations.Log2(value | 1) / 7) + 1;

    public static int PackedSize(ReadOnlySpan<uint> values)
    {
        var size = 0;
        foreach (var value in values)
        {
            size += VarintSize(value);
        }
        return size;
    }

    public static int PackedSize(ReadOnlySpan<ulong> values)
    {
        var size = 0;
        foreach (var value in values)
        {
            size += VarintSize(value);
        }
        return size;
    }

    /// <summary>The bytes of a length-delimited field of <paramref name="length"/> bytes, tag of a field below 16 included.</summary>
    public static int DelimitedSize(int length) => 1 + VarintSize((uint)length) + length;

    /// <summary>The bytes of a varint field below 16 holding <paramref name="value"/>, none when it is 0.</summary>
    public static int VarintFieldSize(ulong value) => value == 0 ? 0 : 1 + VarintSize(value);

    public void WriteVarint(ulong value)
    {
        var span = Room(10);
        var at = 0;
        while (value >= 0x80)
        {
            span[at++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[at++] = (byte)value;
        _length += at;
    }

    public void WriteTag(int field, int wireType) => WriteVarint((uint)((field << 3) | wireType));

    /// <summary>A uint32, uint64, int64 or enum field (an int64 below 0 as its ten-byte two's complement, as protobuf does).</summary>
    public void WriteVarintField(int field, ulong value)
    {
        if (value != 0)
        {
            WriteTag(field, Varint);
            WriteVarint(value);
        }
    }

    public void WriteStringField(int field, string text)
    {
        if (text.Length > 0)
        {
            WriteRepeatedString(field, text);
        }
    }

    /// <summary>One entry of a repeated string field: written even when empty.</summary>
    public void WriteRepeatedString(int field, string text)
    {
        WriteTag(field, LengthDelimited);
        // UTF-8 takes 1 to 3 bytes per UTF-16 char: when both bounds need a length prefix of the same size,
        // the text is encoded straight after it; else it is counted first. Encoding.UTF8 is what protobuf
        // uses too (a lone surrogate becomes U+FFFD).
        var most = (long)text.Length * 3;
        var prefix = VarintSize((ulong)text.Length);
        if (prefix == VarintSize((ulong)most))
        {
            var span = Room(prefix + (int)most);
            var written = Encoding.UTF8.GetBytes(text, span[prefix..]);
            WriteVarintInto(span, (ulong)written);
            _length += prefix + written;
            return;
        }
        var count = Encoding.UTF8.GetByteCount(text);
        WriteVarint((uint)count);
        _length += Encoding.UTF8.GetBytes(text, Room(count));
    }

    public void WriteBytesField(int field, ReadOnlySpan<byte> bytes)
    {
        if (!bytes.IsEmpty)
        {
            WriteTag(field, LengthDelimited);
            WriteVarint((uint)bytes.Length);
            bytes.CopyTo(Room(bytes.Length));
            _length += bytes.Length;
        }
    }

    public void WritePacked(int field, ReadOnlySpan<uint> values)
    {
        if (!values.IsEmpty)
        {
            WriteTag(field, LengthDelimited);
            WritePackedValues(values, PackedSize(values));
        }
    }

    public void WritePacked(int field, ReadOnlySpan<ulong> values)
    {
        if (!values.IsEmpty)
        {
            WriteTag(field, LengthDelimited);
            WritePackedValues(values, PackedSize(values));
        }
    }

    /// <summary>A packed sint64 field: each value zigzag-coded (small negatives stay small).</summary>
    public void WritePackedSigned(int field, ReadOnlySpan<long> values)
    {
        if (values.IsEmpty)
        {
            return;
        }
        var size = 0;
        foreach (var value in values)
        {
            size += VarintSize(ZigZag(value));
        }
        WriteTag(field, LengthDelimited);
        WriteVarint((uint)size);
        foreach (var value in values)
        {
            WriteVarint(ZigZag(value));
        }
    }

    /// <summary>The length <paramref name="size"/> (the values' varint bytes, worked out by the caller) and the values.</summary>
    public void WritePackedValues(ReadOnlySpan<uint> values, int size)
    {
        WriteVarint((uint)size);
        var span = Room(size)[..size];
        var at = 0;
        foreach (var value in values)
        {
            at += WriteVarintInto(span[at..], value);
        }
        _length += size;
    }

    public void WritePackedValues(ReadOnlySpan<ulong> values, int size)
    {
        WriteVarint((uint)size);
        var span = Room(size)[..size];
        var at = 0;
        foreach (var value in values)
        {
            at += WriteVarintInto(span[at..], value);
        }
        _length += size;
    }

    /// <summary>A nested generated message (the rarer sections: writes, elements and resolutions the columns do not hold).</summary>
    public void WriteMessageField(int field, IMessage message)
    {
        WriteTag(field, LengthDelimited);
        var size = message.CalculateSize();
        WriteVarint((uint)size);
        message.WriteTo(Room(size)[..size]);
        _length += size;
    }

    /// <summary>Room for at least <paramref name="count"/> more bytes; the span starts at the end of what is written.</summary>
    public Span<byte> Room(int count)
    {
        if (_buffer.Length - _length < count)
        {
            Array.Resize(ref _buffer, (int)Math.Min(Array.MaxLength, Math.Max(_buffer.Length * 2L, (long)_length + count)));
        }
        return _buffer.AsSpan(_length);
    }

    /// <summary>Counts <paramref name="count"/> bytes written into the span <see cref="Room"/> gave.</summary>
    public void Advance(int count) => _length += count;

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    /// <summary>Writes a varint at the start of <paramref name="span"/>; returns its size.</summary>
    private static int WriteVarintInto(Span<byte> span, ulong value)
    {
        var at = 0;
        while (value >= 0x80)
        {
            span[at++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[at] = (byte)value;
        return at + 1;
    }
}
