using System.Runtime.CompilerServices;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Codec;

/// <summary>
/// Reads <c>DocumentSnapshot</c> bytes (proto/crdtfieldstore/v1/ops.proto, unchanged) straight into
/// <see cref="SnapshotParts"/> without building the generated message: the packed number columns
/// are decoded into arrays sized once, absent fields cost nothing, and only the nested messages
/// (op runs, register writes, elements, resolutions, vectors) go through the generated parsers.
/// Parsing the whole message object was ~30% of loading a stored document. Stricter than the
/// generated parser where that one silently keeps bytes as unknown fields: a known field with the
/// wrong wire type and group wire types are refused. Every malformation (truncated, bad varint,
/// wrong wire type, invalid UTF-8, a nested message that does not parse) throws
/// <see cref="OpDecodeException"/> naming the field and the byte offset.
/// </summary>
internal ref struct SnapshotWireReader
{
    private const int Varint = 0;
    private const int Fixed64 = 1;
    private const int LengthDelimited = 2;
    private const int Fixed32 = 5;

    private static readonly UTF8Encoding s_strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Field names by number, for error messages.</summary>
    private static readonly string[] s_fieldNames =
    [
        "", "collection", "id", "ops", "version", "runs", "fields", "elements", "resolutions", "replicas", "names",
        "hlc_base_ms", "stamp_shift", "compacted_base", "compacted_max_hlc", "delta_peer_version", "write_names",
        "write_ops", "write_stamps", "write_indexes", "write_kinds", "(reserved 21)", "write_integers", "string_lengths",
        "string_bytes", "element_shapes", "element_shape_refs", "element_adds", "element_stamps", "element_indexes",
        "element_integers",
    ];

    private readonly ReadOnlySpan<byte> _bytes;
    private int _at;
    private int _field;

    private SnapshotWireReader(ReadOnlySpan<byte> bytes)
    {
        _bytes = bytes;
    }

    /// <summary>
    /// The parts of the snapshot in <paramref name="bytes"/>, or null when the message gives a singular
    /// message field (compacted_base, compacted_max_hlc, delta_peer_version) more than once: protobuf merges
    /// such repeats, which the generated parser does (the caller falls back to it).
    /// </summary>
    public static SnapshotParts? Read(ReadOnlySpan<byte> bytes) => new SnapshotWireReader(bytes).ReadParts();

    private SnapshotParts? ReadParts()
    {
        var parts = new SnapshotParts();
        RepeatedField<Wire.Op>? ops = null;
        RepeatedField<Wire.OpRun>? runs = null;
        RepeatedField<Wire.RegisterWrite>? fields = null;
        RepeatedField<Wire.ElementState>? elements = null;
        RepeatedField<Wire.ResolutionRecord>? resolutions = null;
        RepeatedField<string>? replicas = null;
        RepeatedField<string>? names = null;
        ColumnBuilder<uint> writeNames = default, writeOps = default, writeIndexes = default, writeKinds = default, stringLengths = default;
        ColumnBuilder<uint> elementShapes = default, elementShapeRefs = default, elementAdds = default, elementIndexes = default;
        ColumnBuilder<ulong> writeStamps = default, elementStamps = default;
        ColumnBuilder<long> writeIntegers = default, elementIntegers = default;
        while (_at < _bytes.Length)
        {
            _field = 0;
            var tag = ReadVarint();
            _field = (int)Math.Min(tag >> 3, int.MaxValue);
            var wireType = (int)(tag & 7);
            if (_field == 0 || tag > uint.MaxValue)
            {
                throw Malformed($"an invalid tag {tag} at byte {_at}");
            }
            switch (_field)
            {
                case 1:
                    parts.Collection = ReadSharedString(wireType);
                    break;
                case 2:
                    parts.Id = ReadString(wireType);
                    break;
                case 3:
                    (ops ??= []).Add(ReadMessage(wireType, Wire.Op.Parser, ops.Count));
                    break;
                case 4:
                    Expect(wireType, Varint);
                    ReadVarint();
                    break;
                case 5:
                    (runs ??= []).Add(ReadMessage(wireType, Wire.OpRun.Parser, runs.Count));
                    break;
                case 6:
                    (fields ??= []).Add(ReadMessage(wireType, Wire.RegisterWrite.Parser, fields.Count));
                    break;
                case 7:
                    (elements ??= []).Add(ReadMessage(wireType, Wire.ElementState.Parser, elements.Count));
                    break;
                case 8:
                    (resolutions ??= []).Add(ReadMessage(wireType, Wire.ResolutionRecord.Parser, resolutions.Count));
                    break;
                case 9:
                    (replicas ??= []).Add(ReadSharedString(wireType));
                    break;
                case 10:
                    (names ??= []).Add(ReadSharedString(wireType));
                    break;
                case 11:
                    Expect(wireType, Varint);
                    parts.HlcBaseMs = (long)ReadVarint();
                    break;
                case 12:
                    Expect(wireType, Varint);
                    parts.StampShift = (uint)ReadVarint();
                    break;
                case 13:
                    if (parts.CompactedBase is not null)
                    {
                        return null;
                    }
                    parts.CompactedBase = ReadMessage(wireType, Wire.VersionVector.Parser, 0);
                    break;
                case 14:
                    if (parts.CompactedMaxHlc is not null)
                    {
                        return null;
                    }
                    parts.CompactedMaxHlc = ReadMessage(wireType, Wire.Hlc.Parser, 0);
                    break;
                case 15:
                    if (parts.DeltaPeerVersion is not null)
                    {
                        return null;
                    }
                    parts.DeltaPeerVersion = ReadMessage(wireType, Wire.VersionVector.Parser, 0);
                    break;
                case 16:
                    ReadNumbers(wireType, ref writeNames);
                    break;
                case 17:
                    ReadNumbers(wireType, ref writeOps);
                    break;
                case 18:
                    ReadNumbers(wireType, ref writeStamps);
                    break;
                case 19:
                    ReadNumbers(wireType, ref writeIndexes);
                    break;
                case 20:
                    ReadNumbers(wireType, ref writeKinds);
                    break;
                case 22:
                    ReadNumbers(wireType, ref writeIntegers);
                    break;
                case 23:
                    ReadNumbers(wireType, ref stringLengths);
                    break;
                case 24:
                    parts.StringBytes = ReadBytes(wireType).ToArray();
                    break;
                case 25:
                    ReadNumbers(wireType, ref elementShapes);
                    break;
                case 26:
                    ReadNumbers(wireType, ref elementShapeRefs);
                    break;
                case 27:
                    ReadNumbers(wireType, ref elementAdds);
                    break;
                case 28:
                    ReadNumbers(wireType, ref elementStamps);
                    break;
                case 29:
                    ReadNumbers(wireType, ref elementIndexes);
                    break;
                case 30:
                    ReadNumbers(wireType, ref elementIntegers);
                    break;
                default:
                    SkipUnknown(wireType);
                    break;
            }
        }
        parts.Ops = ops ?? parts.Ops;
        parts.Runs = runs ?? parts.Runs;
        parts.Fields = fields ?? parts.Fields;
        parts.Elements = elements ?? parts.Elements;
        parts.Resolutions = resolutions ?? parts.Resolutions;
        parts.Replicas = replicas ?? parts.Replicas;
        parts.Names = names ?? parts.Names;
        parts.WriteNames = writeNames.Build();
        parts.WriteOps = writeOps.Build();
        parts.WriteStamps = writeStamps.Build();
        parts.WriteIndexes = writeIndexes.Build();
        parts.WriteKinds = writeKinds.Build();
        parts.WriteIntegers = writeIntegers.Build();
        parts.StringLengths = stringLengths.Build();
        parts.ElementShapes = elementShapes.Build();
        parts.ElementShapeRefs = elementShapeRefs.Build();
        parts.ElementAdds = elementAdds.Build();
        parts.ElementStamps = elementStamps.Build();
        parts.ElementIndexes = elementIndexes.Build();
        parts.ElementIntegers = elementIntegers.Build();
        return parts;
    }

    private readonly string FieldName => _field < s_fieldNames.Length ? $"field {_field} ({s_fieldNames[_field]})" : $"field {_field}";

    private readonly OpDecodeException Malformed(string detail, Exception? inner = null) =>
        new($"the {_bytes.Length} bytes are not a valid DocumentSnapshot message: {detail}", inner);

    private readonly void Expect(int wireType, int expected)
    {
        if (wireType != expected)
        {
            throw Malformed($"{FieldName} has wire type {wireType}, expected {expected} (byte {_at})");
        }
    }

    /// <summary>A base-128 varint of at most 10 bytes (as protobuf reads them; bits past 64 are dropped).</summary>
    private ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_at >= _bytes.Length)
            {
                throw Malformed(_field == 0 ? $"truncated: the bytes end inside a tag" : $"truncated: {FieldName} ends inside a varint at byte {_at}");
            }
            var b = _bytes[_at++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        throw Malformed($"{(_field == 0 ? "a tag" : FieldName)} has a varint longer than 10 bytes (ending at byte {_at})");
    }

    /// <summary>The payload of a length-delimited field.</summary>
    private ReadOnlySpan<byte> ReadBytes(int wireType)
    {
        Expect(wireType, LengthDelimited);
        var length = ReadVarint();
        if (length > (ulong)(_bytes.Length - _at))
        {
            throw Malformed($"truncated: {FieldName} has length {length} at byte {_at}, but only {_bytes.Length - _at} bytes follow");
        }
        var payload = _bytes.Slice(_at, (int)length);
        _at += (int)length;
        return payload;
    }

    private string ReadString(int wireType) => Decode(ReadBytes(wireType));

    /// <summary>Strict UTF-8 (a string field of invalid UTF-8 is refused, as the generated parser refuses it).</summary>
    private string Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return "";
        }
        try
        {
            return s_strict.GetString(payload);
        }
        catch (DecoderFallbackException e)
        {
            throw Malformed($"{FieldName} is not valid UTF-8 (ending at byte {_at})", e);
        }
    }

    /// <summary>
    /// <see cref="ReadString"/> for strings that repeat from document to document (collection, replica ids,
    /// author and field names): the same bytes as one of the thread's last few such strings give that string
    /// again, not a new copy. Loading 1,000 documents of a few devices made thousands of copies of the same
    /// handful of names, kept alive by the loaded state.
    /// </summary>
    private string ReadSharedString(int wireType)
    {
        var payload = ReadBytes(wireType);
        if (payload.IsEmpty || payload.Length > SharedStringMaxBytes)
        {
            return Decode(payload);
        }
        var recent = s_recentStrings ??= new (byte[]?, string)[SharedStrings];
        foreach (var (utf8, shared) in recent)
        {
            if (utf8 is not null && payload.SequenceEqual(utf8))
            {
                return shared;
            }
        }
        var text = Decode(payload);
        recent[s_nextRecent] = (payload.ToArray(), text);
        s_nextRecent = (s_nextRecent + 1) % SharedStrings;
        return text;
    }

    private const int SharedStrings = 16;
    private const int SharedStringMaxBytes = 64;

    [ThreadStatic]
    private static (byte[]? Utf8, string Text)[]? s_recentStrings;

    [ThreadStatic]
    private static int s_nextRecent;

    private T ReadMessage<T>(int wireType, MessageParser<T> parser, int index)
        where T : IMessage<T>
    {
        var payload = ReadBytes(wireType);
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw Malformed($"entry {index + 1} of {FieldName} (ending at byte {_at}) is not a valid message ({e.Message})", e);
        }
        catch (DecoderFallbackException e)
        {
            throw Malformed($"entry {index + 1} of {FieldName} (ending at byte {_at}) has a string that is not valid UTF-8", e);
        }
    }

    /// <summary>A repeated number field, packed (one length-delimited run) or not (one varint), appended to the column.</summary>
    private void ReadNumbers<T>(int wireType, ref ColumnBuilder<T> column)
        where T : struct
    {
        if (wireType == Varint)
        {
            column.Add(Convert<T>(ReadVarint()));
            return;
        }
        var payload = ReadBytes(wireType);
        if (payload.IsEmpty)
        {
            return;
        }
        if (payload[^1] >= 0x80)
        {
            throw Malformed($"truncated: the packed {FieldName} ends inside a varint at byte {_at}");
        }
        // Every varint ends in the one byte of it below 0x80: their count sizes the column exactly.
        var count = payload.Length - CountContinuationBytes(payload);
        var items = column.Reserve(count);
        var at = 0;
        for (var i = 0; i < count; i++)
        {
            ulong value = 0;
            var shift = 0;
            byte b;
            do
            {
                if (shift >= 70)
                {
                    throw Malformed($"the packed {FieldName} has a varint longer than 10 bytes (byte {_at - payload.Length + at})");
                }
                b = payload[at++];
                value |= (ulong)(b & 0x7F) << shift;
                shift += 7;
            }
            while (b >= 0x80);
            items[i] = Convert<T>(value);
        }
    }

    private static int CountContinuationBytes(ReadOnlySpan<byte> payload)
    {
        var count = 0;
        foreach (var b in payload)
        {
            if (b >= 0x80)
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>uint32 (bits above 32 dropped, as protobuf does), uint64, or sint64 (zigzag).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Convert<T>(ulong raw)
        where T : struct
    {
        if (typeof(T) == typeof(uint))
        {
            var narrow = (uint)raw;
            return Unsafe.As<uint, T>(ref narrow);
        }
        if (typeof(T) == typeof(ulong))
        {
            return Unsafe.As<ulong, T>(ref raw);
        }
        var zigzag = (long)(raw >> 1) ^ -(long)(raw & 1);
        return Unsafe.As<long, T>(ref zigzag);
    }

    private void SkipUnknown(int wireType)
    {
        switch (wireType)
        {
            case Varint:
                ReadVarint();
                break;
            case Fixed64:
                Skip(8);
                break;
            case LengthDelimited:
                ReadBytes(wireType);
                break;
            case Fixed32:
                Skip(4);
                break;
            default:
                throw Malformed($"{FieldName} has wire type {wireType} (groups or invalid), which a DocumentSnapshot never holds (byte {_at})");
        }
    }

    private void Skip(int count)
    {
        if (count > _bytes.Length - _at)
        {
            throw Malformed($"truncated: {FieldName} needs {count} bytes at byte {_at}, but only {_bytes.Length - _at} follow");
        }
        _at += count;
    }

    /// <summary>A column being read: usually one packed run, sized exactly; more runs or unpacked entries grow it.</summary>
    private struct ColumnBuilder<T>
        where T : struct
    {
        private T[]? _items;
        private int _count;

        public void Add(T value) => Reserve(1)[0] = value;

        /// <summary>Room for <paramref name="count"/> more entries at the end, as a span to fill.</summary>
        public Span<T> Reserve(int count)
        {
            if (_items is null)
            {
                _items = new T[count];
            }
            else if (_count + count > _items.Length)
            {
                Array.Resize(ref _items, Math.Max(_count + count, _items.Length * 2));
            }
            var span = _items.AsSpan(_count, count);
            _count += count;
            return span;
        }

        public readonly Column<T> Build() => _items is null ? default : new Column<T>(_items, _count);
    }
}
