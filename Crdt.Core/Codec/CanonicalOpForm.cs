using System.Globalization;

namespace Crdt.Core.Codec;

/// <summary>
/// Whether op bytes are already in the one canonical form, the bytes <see cref="OpWriter"/> writes:
/// bytes that pass and decode re-encode (<c>OpCodec.Encode(OpCodec.Decode(bytes))</c>) to themselves,
/// so the relay can store what a device pushed instead of encoding it again. It walks the bytes once
/// against the layout <see cref="OpWriter"/> produces (fields in ascending order, each once except the
/// repeated ones, one-byte tags, minimal varints, no default scalars or empty strings outside a oneof,
/// no unknown fields, decimals as their invariant text, sorted context and element values), far
/// cheaper than writing the op. It does not validate the op: the decoder does, and it refuses text that
/// is not strict UTF-8 (Google.Protobuf's string reader; CanonicalOpFormTests holds it to that), so
/// every string of bytes that decode reads back as it was written.
/// A false answer only costs an encode, so rare corner cases answer false rather than risk a wrong true.
/// </summary>
internal static class CanonicalOpForm
{
    private const int Varint = 0;
    private const int Delimited = 2;

    /// <summary>True when <paramref name="op"/> is written exactly as <see cref="OpWriter"/> would write the op it decodes to.</summary>
    public static bool IsCanonical(ReadOnlySpan<byte> op)
    {
        var fields = new Fields(op);
        if (!fields.Next(1, Delimited) || !fields.Body(out var dot) || !IsDot(dot, out _))
        {
            return false;
        }
        if (!fields.Next(2, Delimited) || !fields.Body(out var hlc) || !IsHlc(hlc))
        {
            return false;
        }
        if (fields.Next(3, Delimited) && !fields.Text(out _))
        {
            return false;
        }
        if (!fields.Next(4, Delimited) || !fields.Body(out var document) || !IsKey(document))
        {
            return false;
        }
        // The writer leaves an empty context out rather than writing an empty message.
        if (fields.Next(5, Delimited) && !(fields.Body(out var context) && !context.IsEmpty && IsVector(context)))
        {
            return false;
        }
        var mutations = 0;
        while (fields.Next(6, Delimited))
        {
            if (!fields.Body(out var mutation) || !IsMutation(mutation))
            {
                return false;
            }
            mutations++;
        }
        return mutations > 0 && fields.End;
    }

    /// <summary>Dot and VersionEntry share one layout: replica (field 1), then a non-zero seq (field 2).</summary>
    private static bool IsDot(ReadOnlySpan<byte> body, out ReadOnlySpan<byte> replica)
    {
        var fields = new Fields(body);
        replica = default;
        if (fields.Next(1, Delimited) && !fields.Text(out replica))
        {
            return false;
        }
        if (fields.Next(2, Varint) && !fields.NonZero(out _))
        {
            return false;
        }
        return fields.End;
    }

    private static bool IsHlc(ReadOnlySpan<byte> body)
    {
        var fields = new Fields(body);
        if (fields.Next(1, Varint) && !fields.NonZero(out _))
        {
            return false;
        }
        // The counter is a uint32: a wider value would be cut short when read.
        if (fields.Next(2, Varint) && !(fields.NonZero(out var counter) && counter <= uint.MaxValue))
        {
            return false;
        }
        // The hlc's replica (field 3) is never written: it is the dot's.
        return fields.End;
    }

    /// <summary>A document key and a RemoveElement share one layout: two optional texts (fields 1 and 2).</summary>
    private static bool IsKey(ReadOnlySpan<byte> body)
    {
        var fields = new Fields(body);
        return OptionalTexts(ref fields, 2) && fields.End;
    }

    /// <summary>Reads fields 1 to <paramref name="count"/>, each an optional text; false when one is not valid text.</summary>
    private static bool OptionalTexts(ref Fields fields, int count)
    {
        for (var field = 1; field <= count; field++)
        {
            if (fields.Next(field, Delimited) && !fields.Text(out _))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Entries in the vector's order: replica ids ascending (ordinal), each once.</summary>
    private static bool IsVector(ReadOnlySpan<byte> body)
    {
        var fields = new Fields(body);
        ReadOnlySpan<byte> previous = default;
        var first = true;
        while (fields.Next(1, Delimited))
        {
            if (!fields.Body(out var entry) || !IsDot(entry, out var replica))
            {
                return false;
            }
            // Replica ids are ASCII (the decoder refuses others), so byte order is the vector's ordinal order.
            if (!first && previous.SequenceCompareTo(replica) >= 0)
            {
                return false;
            }
            previous = replica;
            first = false;
        }
        return fields.End;
    }

    /// <summary>A mutation is exactly one oneof member (fields 1 to 6).</summary>
    private static bool IsMutation(ReadOnlySpan<byte> body)
    {
        var fields = new Fields(body);
        ReadOnlySpan<byte> member;
        bool valid;
        if (fields.Next(1, Delimited))
        {
            valid = fields.Body(out member) && IsSetField(member);
        }
        else if (fields.Next(2, Delimited))
        {
            valid = fields.Body(out member) && IsAddElement(member);
        }
        else if (fields.Next(3, Delimited))
        {
            valid = fields.Body(out member) && IsSetElementField(member);
        }
        else if (fields.Next(4, Delimited))
        {
            valid = fields.Body(out member) && IsKey(member);
        }
        else if (fields.Next(5, Delimited))
        {
            valid = fields.Body(out member) && member.IsEmpty;
        }
        else if (fields.Next(6, Delimited))
        {
            valid = fields.Body(out member) && IsResolveFlag(member);
        }
        else
        {
            return false;
        }
        return valid && fields.End;
    }

    private static bool IsSetField(ReadOnlySpan<byte> body)
    {
        var fields = new Fields(body);
        if (fields.Next(1, Delimited) && !fields.Text(out _))
        {
            return false;
        }
        // The value is always written (a missing one decodes to null, which the writer writes).
        return fields.Next(2, Delimited) && fields.Body(out var value) && IsValue(value) && fields.End;
    }

    /// <summary>Element values in ordinal order of their names, as the writer sorts them.</summary>
    private static bool IsAddElement(ReadOnlySpan<byte> body)
    {
        var fields = new Fields(body);
        if (!OptionalTexts(ref fields, 2))
        {
            return false;
        }
        ReadOnlySpan<byte> previous = default;
        var first = true;
        while (fields.Next(3, Delimited))
        {
            if (!fields.Body(out var entry) || !IsElementValue(entry, out var name))
            {
                return false;
            }
            if (!first && !IsOrdinallyBefore(previous, name))
            {
                return false;
            }
            previous = name;
            first = false;
        }
        return fields.End;
    }

    private static bool IsElementValue(ReadOnlySpan<byte> body, out ReadOnlySpan<byte> name)
    {
        var fields = new Fields(body);
        name = default;
        if (fields.Next(1, Delimited) && !fields.Text(out name))
        {
            return false;
        }
        return fields.Next(2, Delimited) && fields.Body(out var value) && IsValue(value) && fields.End;
    }

    /// <summary>
    /// Whether <paramref name="left"/> sorts strictly before <paramref name="right"/> as the writer sorts
    /// names (UTF-16 ordinal). UTF-8 byte order is code point order, which agrees with UTF-16 order
    /// except between U+E000..U+FFFF and characters above U+FFFF (UTF-8 lead bytes from 0xEE): names
    /// with those answer false, and the op is encoded rather than trusted. (Both are valid UTF-8: see above.)
    /// </summary>
    private static bool IsOrdinallyBefore(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var common = left.CommonPrefixLength(right);
        if (common == left.Length)
        {
            return common < right.Length;
        }
        if (common == right.Length)
        {
            return false;
        }
        var (l, r) = (left[common], right[common]);
        return l < r && r < 0xEE;
    }

    private static bool IsSetElementField(ReadOnlySpan<byte> body)
    {
        var fields = new Fields(body);
        if (!OptionalTexts(ref fields, 3))
        {
            return false;
        }
        return fields.Next(4, Delimited) && fields.Body(out var value) && IsValue(value) && fields.End;
    }

    /// <summary>The resolution is always written (an enum the decoder checks), even when zero.</summary>
    private static bool IsResolveFlag(ReadOnlySpan<byte> body)
    {
        var fields = new Fields(body);
        if (fields.Next(1, Delimited) && !fields.Text(out _))
        {
            return false;
        }
        return fields.Next(2, Varint) && fields.Number(out var resolution) && resolution <= int.MaxValue && fields.End;
    }

    /// <summary>A FieldValue is exactly one oneof member, written even when it holds a default.</summary>
    private static bool IsValue(ReadOnlySpan<byte> body)
    {
        var fields = new Fields(body);
        bool valid;
        ReadOnlySpan<byte> bytes;
        if (fields.Next(1, Varint))
        {
            // null_value: the writer writes true; a false one still decodes to null.
            valid = fields.Number(out var isNull) && isNull == 1;
        }
        else if (fields.Next(2, Delimited))
        {
            valid = fields.Body(out _);
        }
        else if (fields.Next(3, Varint) || fields.Next(6, Varint))
        {
            valid = fields.Number(out _);
        }
        else if (fields.Next(4, Delimited))
        {
            valid = fields.Body(out bytes) && IsDecimalText(bytes);
        }
        else if (fields.Next(5, Varint))
        {
            valid = fields.Number(out var flag) && flag <= 1;
        }
        else if (fields.Next(7, Delimited))
        {
            valid = fields.Body(out _);
        }
        else if (fields.Next(8, Delimited))
        {
            valid = fields.Body(out bytes) && IsKey(bytes);
        }
        else
        {
            return false;
        }
        return valid && fields.End;
    }

    /// <summary>The text the writer gives the decimal it parses to (so "1.50" is canonical, "01.5" or "+1.5" are not).</summary>
    private static bool IsDecimalText(ReadOnlySpan<byte> text) => IsPlainDecimalText(text) || FormatsAsItself(text);

    /// <summary>
    /// The texts the writer gives most decimals, told by their characters alone (parsing and formatting
    /// a decimal cost as much as the rest of the check): <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?</c> with at most
    /// 28 digits, which parse exactly (digits and scale kept) and so format back to themselves; a minus
    /// sign only before a non-zero number (how a negative zero formats is left to the exact check).
    /// </summary>
    private static bool IsPlainDecimalText(ReadOnlySpan<byte> text)
    {
        var at = text.Length > 0 && text[0] == (byte)'-' ? 1 : 0;
        var negative = at == 1;
        var integerStart = at;
        while (at < text.Length && char.IsAsciiDigit((char)text[at]))
        {
            at++;
        }
        var integerDigits = at - integerStart;
        if (integerDigits == 0 || (integerDigits > 1 && text[integerStart] == (byte)'0'))
        {
            return false;
        }
        var fractionDigits = 0;
        if (at < text.Length)
        {
            if (text[at] != (byte)'.')
            {
                return false;
            }
            at++;
            while (at < text.Length && char.IsAsciiDigit((char)text[at]))
            {
                at++;
                fractionDigits++;
            }
            if (fractionDigits == 0 || at < text.Length)
            {
                return false;
            }
        }
        return integerDigits + fractionDigits <= 28 && (!negative || text[integerStart..].IndexOfAnyExcept("0."u8) >= 0);
    }

    private static bool FormatsAsItself(ReadOnlySpan<byte> text)
    {
        Span<byte> written = stackalloc byte[64];
        return decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            && value.TryFormat(written, out var length, provider: CultureInfo.InvariantCulture)
            && written[..length].SequenceEqual(text);
    }

    /// <summary>A cursor over one message's fields. Every field number of ops.proto is below 16, so a
    /// canonical tag is one byte; a longer one is an unknown field or a padded tag: not canonical.</summary>
    private ref struct Fields(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at;

        public readonly bool End => _at == _bytes.Length;

        /// <summary>Consumes the next tag when it is exactly this field's.</summary>
        public bool Next(int field, int wireType)
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
}
