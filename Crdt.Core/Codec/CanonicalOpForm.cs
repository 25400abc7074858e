using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Crdt.Core.Codec;

/// <summary>
/// Reads op bytes that are in the one canonical form, the bytes <see cref="OpWriter"/> writes, straight
/// into an <see cref="Op"/>: the relay stores what a device pushed as it is, and needs the op, but not
/// the generated message that <see cref="OpCodec.Decode"/> would build on the way (issue 11). One walk
/// checks the layout <see cref="OpWriter"/> produces (fields in ascending order, each once except the
/// repeated ones, one-byte tags, minimal varints, no default scalars or empty strings outside a oneof,
/// no unknown fields, decimals as their invariant text, sorted context and element values), checks what
/// <see cref="OpCodec.Decode"/> checks (replica ids, sequences, keys, names, counters, timestamps,
/// resolutions, strict UTF-8) and builds the op. Bytes it reads re-encode to themselves, and the op is
/// exactly the one <see cref="OpCodec.Decode"/> gives (CanonicalOpFormTests hold it to both).
/// It answers null for anything else, valid or not: the caller then takes the decoder's path, which
/// accepts other encodings and words every refusal. So a null costs a decode and an encode, never a
/// wrong op, and rare corner cases answer null rather than risk one.
/// </summary>
internal static class CanonicalOpForm
{
    /// <summary>True when <paramref name="op"/> is a valid op written exactly as <see cref="OpWriter"/> writes it.</summary>
    public static bool IsCanonical(ReadOnlySpan<byte> op) => TryRead(op) is not null;

    /// <summary>The op <paramref name="bytes"/> hold when they are a valid op in the canonical form; null otherwise.
    /// Reading a batch of ops, pass one <paramref name="texts"/> for all: the strings they repeat are made once.</summary>
    public static Op? TryRead(ReadOnlySpan<byte> bytes, RepeatedTexts? texts = null)
    {
        var fields = new CanonicalFields(bytes);
        if (!fields.NextDelimited(1) || !fields.Body(out var dotBody) || !TryDot(dotBody, texts, out var dot, out _))
        {
            return null;
        }
        if (!fields.NextDelimited(2) || !fields.Body(out var hlcBody) || !TryHlc(hlcBody, dot.Replica, out var hlc))
        {
            return null;
        }
        var author = string.Empty;
        if (fields.NextDelimited(3) && !(fields.Text(out var authorBytes) && TryString(authorBytes, texts, out author)))
        {
            return null;
        }
        if (!fields.NextDelimited(4) || !fields.Body(out var keyBody) || !TryKey(keyBody, texts, out var document))
        {
            return null;
        }
        // The writer leaves an empty context out rather than writing an empty message.
        var context = VersionVector.Empty;
        if (fields.NextDelimited(5) && !(fields.Body(out var contextBody) && !contextBody.IsEmpty && TryVector(contextBody, texts, out context)))
        {
            return null;
        }
        // Counted first (a copy of the cursor), so the op's array is allocated once at its size.
        var counting = fields;
        var count = 0;
        while (counting.NextDelimited(6) && counting.Body(out _))
        {
            count++;
        }
        if (count == 0)
        {
            return null;
        }
        var mutations = new Mutation[count];
        for (var i = 0; i < count; i++)
        {
            if (!fields.NextDelimited(6) || !fields.Body(out var body) || TryMutation(body, texts) is not { } mutation)
            {
                return null;
            }
            mutations[i] = mutation;
        }
        // Checked on the reading cursor, not the counting one: a last tag without a body ends the count
        // with that cursor past the tag, at the end of the bytes (a truncated op, which the decoder refuses).
        return fields.End ? new Op(dot, hlc, author, document, context, mutations) : null;
    }

    /// <summary>Dot and VersionEntry share one layout: replica (field 1), then a non-zero seq (field 2).
    /// Both are required of a valid one.</summary>
    private static bool TryDot(ReadOnlySpan<byte> body, RepeatedTexts? texts, out Dot dot, out ReadOnlySpan<byte> replicaBytes)
    {
        var fields = new CanonicalFields(body);
        dot = default;
        replicaBytes = default;
        if (!fields.NextDelimited(1) || !fields.Text(out replicaBytes) || !TryReplica(replicaBytes, texts, out var replica))
        {
            return false;
        }
        if (!fields.NextVarint(2) || !fields.NonZero(out var seq) || seq > long.MaxValue || !fields.End)
        {
            return false;
        }
        dot = new Dot(replica, (long)seq);
        return true;
    }

    /// <summary>A replica id's characters are ASCII (<see cref="ReplicaId.IsValid"/>), so its bytes are checked as they are.</summary>
    private static bool TryReplica(ReadOnlySpan<byte> bytes, RepeatedTexts? texts, out ReplicaId replica)
    {
        replica = default;
        if (bytes.Length > ReplicaId.MaxLength)
        {
            return false;
        }
        foreach (var b in bytes)
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'.' or (byte)'_' or (byte)':' or (byte)'-'))
            {
                return false;
            }
        }
        replica = new ReplicaId(texts?.Find(bytes) ?? texts?.Remember(bytes) ?? Encoding.ASCII.GetString(bytes));
        return true;
    }

    private static bool TryHlc(ReadOnlySpan<byte> body, ReplicaId replica, out Hlc hlc)
    {
        var fields = new CanonicalFields(body);
        hlc = default;
        ulong wall = 0;
        if (fields.NextVarint(1) && !fields.NonZero(out wall))
        {
            return false;
        }
        ulong counter = 0;
        if (fields.NextVarint(2) && !(fields.NonZero(out counter) && counter <= Hlc.MaxCounter))
        {
            return false;
        }
        // The hlc's replica (field 3) is never written: it is the dot's.
        if (!fields.End)
        {
            return false;
        }
        hlc = new Hlc((long)wall, (int)counter, replica);
        return true;
    }

    /// <summary>A document key: two texts (fields 1 and 2), valid as a key.</summary>
    private static bool TryKey(ReadOnlySpan<byte> body, RepeatedTexts? texts, out DocumentKey key)
    {
        var fields = new CanonicalFields(body);
        key = default;
        if (!TryName(ref fields, 1, texts, out var collection) || !TryName(ref fields, 2, texts, out var id) || !fields.End
            || !DocumentKey.IsValid(collection, id, out _))
        {
            return false;
        }
        key = new DocumentKey(collection, id);
        return true;
    }

    /// <summary>Entries in the vector's order: replica ids ascending (ordinal), each once.</summary>
    private static bool TryVector(ReadOnlySpan<byte> body, RepeatedTexts? texts, out VersionVector vector)
    {
        var fields = new CanonicalFields(body);
        vector = new VersionVector();
        ReadOnlySpan<byte> previous = default;
        var first = true;
        while (fields.NextDelimited(1))
        {
            if (!fields.Body(out var entry) || !TryDot(entry, texts, out var dot, out var replica))
            {
                return false;
            }
            // Replica ids are ASCII, so byte order is the vector's ordinal order; strictly ascending, so none twice.
            if (!first && previous.SequenceCompareTo(replica) >= 0)
            {
                return false;
            }
            previous = replica;
            first = false;
            vector.Observe(dot.Replica, dot.Seq);
        }
        vector.Freeze();
        return fields.End;
    }

    /// <summary>A mutation is exactly one oneof member (fields 1 to 6).</summary>
    private static Mutation? TryMutation(ReadOnlySpan<byte> body, RepeatedTexts? texts)
    {
        var fields = new CanonicalFields(body);
        ReadOnlySpan<byte> member;
        Mutation? mutation;
        if (fields.NextDelimited(1))
        {
            mutation = fields.Body(out member) ? TrySetField(member, texts) : null;
        }
        else if (fields.NextDelimited(2))
        {
            mutation = fields.Body(out member) ? TryAddElement(member, texts) : null;
        }
        else if (fields.NextDelimited(3))
        {
            mutation = fields.Body(out member) ? TrySetElementField(member, texts) : null;
        }
        else if (fields.NextDelimited(4))
        {
            mutation = fields.Body(out member) ? TryRemoveElement(member, texts) : null;
        }
        else if (fields.NextDelimited(5))
        {
            mutation = fields.Body(out member) && member.IsEmpty ? DeleteDocument.Instance : null;
        }
        else if (fields.NextDelimited(6))
        {
            mutation = fields.Body(out member) ? TryResolveFlag(member, texts) : null;
        }
        else
        {
            return null;
        }
        return fields.End ? mutation : null;
    }

    private static SetField? TrySetField(ReadOnlySpan<byte> body, RepeatedTexts? texts)
    {
        var fields = new CanonicalFields(body);
        // The value is always written (a missing one decodes to null, which the writer writes).
        return TryName(ref fields, 1, texts, out var field) && TryValueField(ref fields, 2, texts, out var value) && fields.End
            ? new SetField(field, value)
            : null;
    }

    /// <summary>Element values in ordinal order of their names, as the writer sorts them (so none twice).</summary>
    private static AddElement? TryAddElement(ReadOnlySpan<byte> body, RepeatedTexts? texts)
    {
        var fields = new CanonicalFields(body);
        // An added element's id is new in every op: not looked up among the repeated texts.
        if (!TryName(ref fields, 1, texts, out var field) || !TryName(ref fields, 2, null, out var elementId))
        {
            return null;
        }
        var counting = fields;
        var count = 0;
        while (counting.NextDelimited(3) && counting.Body(out _))
        {
            count++;
        }
        var values = new Dictionary<string, FieldValue>(count, StringComparer.Ordinal);
        ReadOnlySpan<byte> previous = default;
        for (var i = 0; i < count; i++)
        {
            // Present: counted above.
            var entry = fields.NextDelimited(3) && fields.Body(out var entryBody) ? entryBody : default;
            var entryFields = new CanonicalFields(entry);
            if (!entryFields.NextDelimited(1) || !entryFields.Text(out var nameBytes) || (i > 0 && !IsOrdinallyBefore(previous, nameBytes))
                || !TryString(nameBytes, texts, out var name) || !IsName(name)
                || !TryValueField(ref entryFields, 2, texts, out var value) || !entryFields.End)
            {
                return null;
            }
            previous = nameBytes;
            values.Add(name, value);
        }
        return fields.End ? new AddElement(field, elementId, values) : null;
    }

    /// <summary>
    /// Whether <paramref name="left"/> sorts strictly before <paramref name="right"/> as the writer sorts
    /// names (UTF-16 ordinal). UTF-8 byte order is code point order, which agrees with UTF-16 order
    /// except between U+E000..U+FFFF and characters above U+FFFF (UTF-8 lead bytes from 0xEE): names
    /// with those answer false, and the op takes the decoder's path.
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

    private static SetElementField? TrySetElementField(ReadOnlySpan<byte> body, RepeatedTexts? texts)
    {
        var fields = new CanonicalFields(body);
        return TryName(ref fields, 1, texts, out var field) && TryName(ref fields, 2, texts, out var elementId) && TryName(ref fields, 3, texts, out var elementField)
            && TryValueField(ref fields, 4, texts, out var value) && fields.End
            ? new SetElementField(field, elementId, elementField, value)
            : null;
    }

    private static RemoveElement? TryRemoveElement(ReadOnlySpan<byte> body, RepeatedTexts? texts)
    {
        var fields = new CanonicalFields(body);
        return TryName(ref fields, 1, texts, out var field) && TryName(ref fields, 2, texts, out var elementId) && fields.End
            ? new RemoveElement(field, elementId)
            : null;
    }

    /// <summary>The resolution is always written (an enum), even when zero; a valid one is 1 to 4.</summary>
    private static ResolveFlag? TryResolveFlag(ReadOnlySpan<byte> body, RepeatedTexts? texts)
    {
        var fields = new CanonicalFields(body);
        return TryName(ref fields, 1, texts, out var flagId) && fields.NextVarint(2) && fields.Number(out var resolution)
            && resolution is >= 1 and <= 4 && fields.End
            ? new ResolveFlag(flagId, (Resolution)resolution)
            : null;
    }

    /// <summary>Field <paramref name="field"/>, a text valid as a name (what the decoder requires of field and element names and ids).</summary>
    private static bool TryName(ref CanonicalFields fields, int field, RepeatedTexts? texts, out string name)
    {
        name = string.Empty;
        return fields.NextDelimited(field) && fields.Text(out var bytes) && TryString(bytes, texts, out name) && IsName(name);
    }

    /// <summary>Non-empty (the canonical form leaves an empty text out) and at most <see cref="DocumentKey.MaxLength"/> UTF-16 characters.</summary>
    private static bool IsName(string text) => text.Length is > 0 and <= DocumentKey.MaxLength;

    /// <summary>Text as the decoder reads it: strict UTF-8 (anything else it refuses). Found among the batch's
    /// <paramref name="texts"/> when given (bytes equal to ones found valid before), and kept there.</summary>
    private static bool TryString(ReadOnlySpan<byte> bytes, RepeatedTexts? texts, out string text)
    {
        if (bytes.IsEmpty)
        {
            text = string.Empty;
            return true;
        }
        if (texts?.Find(bytes) is { } known)
        {
            text = known;
            return true;
        }
        if (!Utf8.IsValid(bytes))
        {
            text = string.Empty;
            return false;
        }
        text = texts is null ? Encoding.UTF8.GetString(bytes) : texts.Remember(bytes);
        return true;
    }

    /// <summary>Field <paramref name="field"/>: a FieldValue, always written.</summary>
    private static bool TryValueField(ref CanonicalFields fields, int field, RepeatedTexts? texts, out FieldValue value)
    {
        var read = fields.NextDelimited(field) && fields.Body(out var body) ? TryValue(body, texts) : null;
        value = read ?? FieldValue.Null;
        return read is not null;
    }

    /// <summary>A FieldValue is exactly one oneof member, written even when it holds a default.</summary>
    private static FieldValue? TryValue(ReadOnlySpan<byte> body, RepeatedTexts? texts)
    {
        var fields = new CanonicalFields(body);
        FieldValue? value;
        ReadOnlySpan<byte> bytes;
        ulong number;
        if (fields.NextVarint(1))
        {
            // null_value: the writer writes true; a false one still decodes to null, but is not canonical.
            value = fields.Number(out number) && number == 1 ? FieldValue.Null : null;
        }
        else if (fields.NextDelimited(2))
        {
            // Values are mostly new in every op: not looked up among the repeated texts.
            value = fields.Body(out bytes) && TryString(bytes, null, out var text) ? FieldValue.String(text) : null;
        }
        else if (fields.NextVarint(3))
        {
            // sint64: zigzag-encoded.
            value = fields.Number(out number) ? FieldValue.Integer((long)(number >> 1) ^ -(long)(number & 1)) : null;
        }
        else if (fields.NextDelimited(4))
        {
            value = fields.Body(out bytes) && IsDecimalText(bytes)
                && decimal.TryParse(bytes, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var dec)
                ? FieldValue.Decimal(dec)
                : null;
        }
        else if (fields.NextVarint(5))
        {
            value = fields.Number(out number) && number <= 1 ? FieldValue.Bool(number == 1) : null;
        }
        else if (fields.NextVarint(6))
        {
            // Years 1 to 9999, as the decoder requires.
            value = fields.Number(out number) && (long)number is >= -62135596800000 and <= 253402300799999 ? FieldValue.TimestampMs((long)number) : null;
        }
        else if (fields.NextDelimited(7))
        {
            value = fields.Body(out bytes) ? FieldValue.BytesNoCopy(bytes.ToArray()) : null;
        }
        else if (fields.NextDelimited(8))
        {
            value = fields.Body(out bytes) && TryKey(bytes, texts, out var key) ? FieldValue.Reference(key) : null;
        }
        else
        {
            return null;
        }
        return fields.End ? value : null;
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
}
