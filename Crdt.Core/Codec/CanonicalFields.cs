namespace Crdt.Core.Codec;

/// <summary>
/// A cursor over one message's fields in the canonical op form (<see cref="CanonicalOpForm"/>). Every
/// field number of ops.proto is below 16, so a canonical tag is one byte; a longer one is an unknown
/// field or a padded tag: not canonical.
/// </summary>
internal ref struct CanonicalFields(ReadOnlySpan<byte> bytes)
{
    private const int Varint = 0;
    private const int Delimited = 2;

    private readonly ReadOnlySpan<byte> _bytes = bytes;
    private int _at;

    public readonly bool End => _at == _bytes.Length;

    /// <summary>Consumes the next tag when it is exactly this field's, length-delimited.</summary>
    public bool NextDelimited(int field) => Next(field, Delimited);

    /// <summary>Consumes the next tag when it is exactly this field's, a varint.</summary>
    public bool NextVarint(int field) => Next(field, Varint);

    private bool Next(int field, int wireType)
    {
        if (_at < _bytes.Length && _bytes[_at] == (byte)((field << 3) | wireType))
        {
            _at++;
            return true;
        }
        return false;
    }

    /// <summary>A varint in its shortest form (the writer's), at most 64 bits.</summary>
    public bool Number(out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && _at < _bytes.Length; shift += 7)
        {
            var b = _bytes[_at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                // A zero last byte pads; the tenth byte holds only bit 63.
                return (b != 0 || shift == 0) && (shift < 63 || b <= 1);
            }
        }
        return false;
    }

    /// <summary>A non-zero varint: a scalar outside a oneof is left out when zero.</summary>
    public bool NonZero(out ulong value) => Number(out value) && value != 0;

    public bool Body(out ReadOnlySpan<byte> body)
    {
        body = default;
        if (!Number(out var length) || length > (ulong)(_bytes.Length - _at))
        {
            return false;
        }
        body = _bytes.Slice(_at, (int)length);
        _at += (int)length;
        return true;
    }

    /// <summary>A string field outside a oneof: written only when non-empty.</summary>
    public bool Text(out ReadOnlySpan<byte> text) => Body(out text) && !text.IsEmpty;
}
