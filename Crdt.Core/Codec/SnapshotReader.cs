using Crdt.Core.Merge;
using Google.Protobuf.Collections;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Codec;

/// <summary>
/// Reads a <c>DocumentSnapshot</c> into a <see cref="SnapshotCodec.Parsed"/>, one method per section
/// (replica table, op runs, stamps, top-level writes, elements, resolutions, compacted base), and
/// throws <see cref="OpDecodeException"/> naming the part when any of it is invalid: nothing is
/// merged before the whole message has been read. The older form's parts (dots, Hlc and FieldValue
/// messages per write, spelled-out replicas in runs, plain ops) are in SnapshotReader.OlderForm.cs.
/// </summary>
internal sealed partial class SnapshotReader
{
    private readonly SnapshotParts _message;
    private readonly DocumentKey _key;
    private ReplicaId[] _replicas = [];
    /// <summary>The op records in the order op_ref counts them (runs in order, each run's sequences in order).</summary>
    private List<OpRecord> _records = [];
    private int[] _runLengths = [];
    private Hlc _maxHlc;
    private int _shift;
    private StringPool _pool;
    /// <summary>The thread's lists to fill instead of new ones (null: every list is the result's own).</summary>
    private readonly Spare? _spare;

    private SnapshotReader(SnapshotParts message, Spare? spare)
    {
        _message = message;
        _spare = spare;
        if (!DocumentKey.IsValid(message.Collection, message.Id, out var reason))
        {
            throw new OpDecodeException($"{Here}: invalid document key ({reason})");
        }
        _key = new DocumentKey(message.Collection, message.Id);
    }

    /// <summary>
    /// Where an error is, "snapshot of collection/id": built only when an error is thrown (every
    /// document of a load would otherwise build it once and never use it).
    /// </summary>
    private string Here => WhereOf(_message.Collection, _message.Id);

    internal static string WhereOf(string collection, string id) => $"snapshot of {collection}/{id}";

    public static SnapshotCodec.Parsed Read(Wire.DocumentSnapshot message) => Read(SnapshotParts.FromWire(message));

    public static SnapshotCodec.Parsed Read(SnapshotParts message) => Read(message, null);

    /// <summary>
    /// As <see cref="Read(SnapshotParts)"/>, filling the lists of <paramref name="spare"/> (see <see cref="Spare"/>)
    /// where it would allocate new ones; the result is valid until the spare is returned.
    /// </summary>
    public static SnapshotCodec.Parsed Read(SnapshotParts message, Spare? spare)
    {
        var reader = new SnapshotReader(message, spare);
        var ops = reader.ReadPlainOps();
        reader.ReadReplicaTable();
        reader.ReadRuns();
        reader.ReadStampFrame();
        reader._pool = StringPool.Read(message.StringLengths, message.StringBytes.Span, reader._key);
        var fields = reader.ReadTopLevelWrites();
        var elements = reader.ReadElements();
        var resolutions = reader.ReadResolutions();
        reader._pool.EnsureAllTaken();
        var (compactedBase, deltaPeer) = reader.ReadCompactedBase();
        return new SnapshotCodec.Parsed
        {
            Base = compactedBase,
            DeltaPeer = deltaPeer,
            Key = reader._key,
            Ops = ops,
            Records = reader._records,
            RunLengths = reader._runLengths,
            Fields = fields,
            Elements = elements,
            Resolutions = resolutions,
            MaxHlc = reader._maxHlc,
            Borrowed = spare,
        };
    }

    private void ReadReplicaTable()
    {
        _replicas = new ReplicaId[_message.Replicas.Count];
        for (var i = 0; i < _replicas.Length; i++)
        {
            // The error context string is built only for an invalid id, not once per entry.
            var text = _message.Replicas[i];
            _replicas[i] = ReplicaId.IsValid(text, out _) ? new ReplicaId(text) : WireConvert.ReplicaFrom(text, Here + " replica table");
        }
    }

    private ReplicaId ReplicaRef(ulong reference, string what) => reference >= 1 && reference <= (ulong)_replicas.Length
        ? _replicas[reference - 1]
        : throw new OpDecodeException($"{Here}: {what} names entry {reference} of a replica table of {_replicas.Length}");

    /// <summary>The op records of every run; refuses a dot named twice.</summary>
    private void ReadRuns()
    {
        var runs = _message.Runs;
        // Rice-coded sequence lists are decoded first, so the record table is sized once: all into one
        // list (the spare's, when there is one), run i's values from riceBounds[i] to riceBounds[i + 1].
        List<ulong>? rice = null;
        var riceBounds = runs.Count < 64 ? stackalloc int[runs.Count + 1] : new int[runs.Count + 1];
        var opCount = 0;
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            riceBounds[i] = rice?.Count ?? 0;
            if (!run.SeqRice.IsEmpty)
            {
                rice ??= _spare?.RiceValues() ?? [];
                if (!RiceCode.DecodeInto(run.SeqRice.Span, (int)Math.Min(run.SeqRiceK, int.MaxValue), rice))
                {
                    throw new OpDecodeException($"{Here}: an op run has a malformed Rice-coded sequence list (k {run.SeqRiceK})");
                }
            }
            opCount += run.SeqDeltas.Count + (rice?.Count ?? 0) - riceBounds[i];
        }
        riceBounds[runs.Count] = rice?.Count ?? 0;
        _records = _spare?.Records(opCount) ?? new List<OpRecord>(opCount);
        _runLengths = new int[runs.Count];
        // Dots are unique when each replica's runs come in ascending, non-overlapping order (as the
        // encoder writes them; a run's own sequences always ascend): only otherwise is a set of every dot built.
        // The per-replica highest sequence is a per-thread dictionary emptied per document, not one allocated per document.
        var highestSeq = s_highestSeq ??= [];
        highestSeq.Clear();
        var mayRepeat = false;
        for (var runIndex = 0; runIndex < runs.Count; runIndex++)
        {
            var run = runs[runIndex];
            var replica = run.Replica.Length > 0 ? OlderRunReplica(run) : ReplicaRef(run.ReplicaRef, "an op run");
            var context = run.Context is null && run.ContextRefs.Count > 0 ? ContextFrom(run.ContextRefs) : OlderRunContext(run);
            var author = run.Author.Length > 0 || run.AuthorRef == 0 ? run.Author : NameAt(run.AuthorRef, "the author of an op run");
            if ((int)run.Kind is < 1 or > 3)
            {
                throw new OpDecodeException($"{Here}: op run of '{replica}' has unknown kind {(int)run.Kind}");
            }
            var kind = (OpKind)(int)run.Kind;
            long seq = 0;
            var firstIndex = _records.Count;
            foreach (var delta in run.SeqDeltas)
            {
                seq = AddRecord(replica, seq, delta, context, author, kind);
            }
            for (var r = riceBounds[runIndex]; r < riceBounds[runIndex + 1]; r++)
            {
                seq = AddRecord(replica, seq, rice![r], context, author, kind);
            }
            _runLengths[runIndex] = _records.Count - firstIndex;
            if (_records.Count > firstIndex)
            {
                var first = _records[firstIndex].Causal.Dot.Seq;
                if (highestSeq.TryGetValue(replica, out var highest) && first <= highest)
                {
                    mayRepeat = true;
                }
                highestSeq[replica] = Math.Max(highest, seq);
            }
        }
        highestSeq.Clear();
        if (highestSeq.EnsureCapacity(0) > 64)
        {
            // A snapshot of very many replicas: its table is not kept for the thread's next document.
            s_highestSeq = null;
        }
        if (mayRepeat)
        {
            var seen = new HashSet<Dot>(_records.Count);
            foreach (var record in _records)
            {
                if (!seen.Add(record.Causal.Dot))
                {
                    throw new OpDecodeException($"{Here}: op {record.Causal.Dot} appears twice");
                }
            }
        }
    }

    [ThreadStatic]
    private static Dictionary<ReplicaId, long>? s_highestSeq;

    private long AddRecord(ReplicaId replica, long seq, ulong delta, VersionVector context, string author, OpKind kind)
    {
        if (delta == 0 || delta > (ulong)(long.MaxValue - seq))
        {
            throw new OpDecodeException($"{Here}: op run of '{replica}' has an invalid sequence delta {delta}");
        }
        seq += (long)delta;
        _records.Add(new OpRecord(new CausalRecord(new Dot(replica, seq), context, author), kind));
        return seq;
    }

    /// <summary>An op run's context from (replica ref, seq) pairs (OpRun.context_refs).</summary>
    private VersionVector ContextFrom(RepeatedField<ulong> pairs)
    {
        if (pairs.Count % 2 != 0)
        {
            throw new OpDecodeException($"{Here}: an op run's context has an odd number ({pairs.Count}) of replica/sequence numbers");
        }
        var result = new VersionVector();
        for (var i = 0; i < pairs.Count; i += 2)
        {
            var reference = pairs[i];
            var seq = pairs[i + 1];
            if (reference < 1 || reference > (ulong)_replicas.Length)
            {
                throw new OpDecodeException($"{Here}: an op run's context names entry {reference} of a replica table of {_replicas.Length}");
            }
            var replica = _replicas[reference - 1];
            if (seq == 0 || seq > long.MaxValue)
            {
                throw new OpDecodeException($"{Here}: sequence {seq} of replica '{replica}' in an op run's context is out of range");
            }
            if (result.Get(replica) != 0)
            {
                throw new OpDecodeException($"{Here}: replica '{replica}' appears twice in an op run's context");
            }
            result.Observe(replica, (long)seq);
        }
        return result.Freeze();
    }

    private void ReadStampFrame()
    {
        if (_message.HlcBaseMs < 0)
        {
            throw new OpDecodeException($"{Here}: negative hlc base {_message.HlcBaseMs}");
        }
        if (_message.StampShift > 16)
        {
            throw new OpDecodeException($"{Here}: stamp shift {_message.StampShift} is above 16 (the counter has 16 bits)");
        }
        _shift = (int)_message.StampShift;
    }

    private CausalRecord OpAt(ulong reference, string what, string name) => reference >= 1 && reference <= (ulong)_records.Count
        ? _records[(int)reference - 1].Causal
        : throw new OpDecodeException($"{Here}: {what} '{name}' names op record {reference} of {_records.Count}");

    /// <summary>An Hlc packed as (wall_ms - hlc_base_ms) &lt;&lt; stamp_shift | counter.</summary>
    private Hlc StampOf(ulong stamp, Dot dot, string what, string name)
    {
        var offset = stamp >> _shift;
        if (offset > (ulong)(long.MaxValue - _message.HlcBaseMs))
        {
            throw new OpDecodeException($"{Here}: {what} '{name}' has a stamp {stamp} out of range");
        }
        var result = new Hlc(_message.HlcBaseMs + (long)offset, (int)(stamp & ((1UL << _shift) - 1)), dot.Replica);
        if (result > _maxHlc)
        {
            _maxHlc = result;
        }
        return result;
    }

    private string NameAt(uint reference, string what) => reference >= 1 && reference <= (uint)_message.Names.Count && _message.Names[(int)reference - 1].Length > 0
        ? _message.Names[(int)reference - 1]
        : throw new OpDecodeException($"{Here}: {what} names entry {reference} of a name table of {_message.Names.Count}");

    /// <summary>A name spelled out, else by name table reference, else by built-in number.</summary>
    private string NameOf(string name, uint reference, uint known, string what, string? detail = null)
    {
        if (name.Length > 0)
        {
            return name;
        }
        if (reference == 0 && known > 0)
        {
            return KnownNames.NameAt(known)
                ?? throw new OpDecodeException($"{Here}: {what}{(detail is null ? "" : $" '{detail}'")} names entry {known} of the built-in name table of {KnownNames.Table.Count}");
        }
        if (reference == 0)
        {
            throw new OpDecodeException($"{Here}: {what}{(detail is null ? "" : $" '{detail}'")} has no field name");
        }
        return reference <= (uint)_message.Names.Count && _message.Names[(int)reference - 1].Length > 0
            ? _message.Names[(int)reference - 1]
            : throw new OpDecodeException($"{Here}: {what}{(detail is null ? "" : $" '{detail}'")} names entry {reference} of a name table of {_message.Names.Count}");
    }

    /// <summary>A name coded 2n (built-in name n) or 2r+1 (name table entry r), as in record and write columns.</summary>
    private string NameFromCode(uint code, string what, string? detail) => (code & 1) == 0
        ? NameOf("", 0, code / 2, what, detail)
        : NameOf("", code / 2, 0, what, detail);

    /// <summary>The top-level writes: the columns first, then the RegisterWrite messages of the other writes.</summary>
    private List<(string Field, Write Write)> ReadTopLevelWrites()
    {
        var count = _message.WriteNames.Count + _message.Fields.Count;
        var list = _spare?.Writes(count) ?? new List<(string, Write)>(count);
        ReadWriteColumns(list);
        ReadWriteMessages(_message.Fields, "field", null, list);
        return list;
    }

    /// <summary>
    /// DocumentSnapshot's write columns: per write a name code, an op_ref (0: the previous write's op and
    /// stamp), a stamp per op_ref given, an index (column empty: all 0), a kind (column empty: all strings)
    /// and the value from the string pool or the decimal or integer column.
    /// </summary>
    private void ReadWriteColumns(List<(string, Write)> into)
    {
        var names = _message.WriteNames;
        var ops = _message.WriteOps;
        var stamps = _message.WriteStamps;
        var indexes = _message.WriteIndexes;
        var kinds = _message.WriteKinds;
        if (ops.Count != names.Count || (indexes.Count != 0 && indexes.Count != names.Count) || (kinds.Count != 0 && kinds.Count != names.Count))
        {
            throw new OpDecodeException($"{Here}: the write columns have unequal lengths ({names.Count} names, {ops.Count} ops, {indexes.Count} indexes, {kinds.Count} kinds)");
        }
        var stampAt = 0;
        var integerAt = 0;
        Write? previous = null;
        for (var i = 0; i < names.Count; i++)
        {
            var field = NameFromCode(names[i], "field", null);
            CausalRecord causal;
            Hlc hlc;
            if (ops[i] > 0)
            {
                causal = OpAt(ops[i], "field", field);
                if (stampAt >= stamps.Count)
                {
                    throw new OpDecodeException($"{Here}: field '{field}' has no stamp left in the write columns ({stamps.Count} stamps)");
                }
                hlc = StampOf(stamps[stampAt++], causal.Dot, "field", field);
            }
            else if (previous is { } before)
            {
                causal = before.Causal;
                hlc = before.Hlc;
            }
            else
            {
                throw new OpDecodeException($"{Here}: field '{field}' has no op and no previous write to take it from");
            }
            var index = indexes.Count == 0 ? 0u : indexes[i];
            if (index > int.MaxValue)
            {
                throw new OpDecodeException($"{Here}: field '{field}' has an invalid index");
            }
            FieldValue value;
            switch (kinds.Count == 0 ? 0u : kinds[i])
            {
                case 0:
                    value = FieldValue.String(_pool.Take("field", field));
                    break;
                case 1:
                    value = WireConvert.DecimalFrom(_pool.Take("field", field), Where.InSnapshot(_key, "field", field));
                    break;
                case 2:
                    value = integerAt < _message.WriteIntegers.Count
                        ? FieldValue.Integer(_message.WriteIntegers[integerAt++])
                        : throw new OpDecodeException($"{Here}: field '{field}' has no integer left in the write columns");
                    break;
                default:
                    throw new OpDecodeException($"{Here}: field '{field}' has unknown value kind {kinds[i]} in the write columns");
            }
            var write = new Write(causal, hlc, (int)index, value);
            previous = write;
            into.Add((field, write));
        }
        if (stampAt != stamps.Count || integerAt != _message.WriteIntegers.Count)
        {
            throw new OpDecodeException($"{Here}: the write columns have values or stamps left over");
        }
    }

    /// <summary>RegisterWrite messages of one list (top-level or an element's), current or older form.</summary>
    private void ReadWriteMessages(RepeatedField<Wire.RegisterWrite> writes, string what, CausalRecord? firstAdd, List<(string, Write)> into)
    {
        Write? previous = null;
        foreach (var write in writes)
        {
            into.Add(ReadWriteMessage(write, what, ref previous, firstAdd));
        }
    }

    private (string, Write) ReadWriteMessage(Wire.RegisterWrite write, string what, ref Write? previous, CausalRecord? firstAdd)
    {
        var field = NameOf(write.Field, write.FieldRef, write.KnownField, what);
        CausalRecord causal;
        Hlc hlc;
        if (write.OpRef > 0)
        {
            causal = OpAt(write.OpRef, what, field);
            hlc = write.Hlc is null ? StampOf(write.Stamp, causal.Dot, what, field) : HlcOf(write.Hlc, causal.Dot, what, field);
        }
        else if (write.Dot is null && write.Hlc is null)
        {
            if (previous is { } before)
            {
                // Same op as the previous write of the list.
                causal = before.Causal;
                hlc = before.Hlc;
            }
            else if (firstAdd is { } add)
            {
                // An element's first write made by the op that added the element: only its stamp is written.
                causal = add;
                hlc = StampOf(write.Stamp, add.Dot, what, field);
            }
            else
            {
                throw new OpDecodeException($"{Here}: {what} '{field}' has no dot and no previous write to take it from");
            }
        }
        else
        {
            (causal, hlc) = OlderWriteOp(write, what, field);
        }
        if (write.Index > int.MaxValue)
        {
            throw new OpDecodeException($"{Here}: {what} '{field}' has an invalid index");
        }
        var value = write.InlineValueCase switch
        {
            Wire.RegisterWrite.InlineValueOneofCase.StringValue => FieldValue.String(write.StringValue),
            Wire.RegisterWrite.InlineValueOneofCase.DecimalValue => WireConvert.DecimalFrom(write.DecimalValue, Where.InSnapshot(_key, what, field)),
            Wire.RegisterWrite.InlineValueOneofCase.IntegerValue => FieldValue.Integer(write.IntegerValue),
            _ => WireConvert.FromMessage(write.Value, Where.InSnapshot(_key, what, field)),
        };
        var result = new Write(causal, hlc, (int)write.Index, value);
        previous = result;
        return (field, result);
    }

    private List<(string Set, string Id, List<CausalRecord> Adds, List<CausalRecord> Removes, List<(string Field, Write Write)> Fields)> ReadElements()
    {
        var count = _message.ElementShapeRefs.Count + _message.Elements.Count;
        var elements = _spare?.Elements(count) ?? new List<(string, string, List<CausalRecord>, List<CausalRecord>, List<(string, Write)>)>(count);
        ReadElementColumns(elements);
        foreach (var element in _message.Elements)
        {
            // An element id left empty is the next string of the pool.
            var id = element.ElementId.Length > 0 ? element.ElementId : _pool.TakeOptional();
            if (string.IsNullOrEmpty(id))
            {
                throw new OpDecodeException($"{Here}: an element has no id");
            }
            var adds = ReadCausals(element.Adds, element.AddRefs, "add", element, id);
            var firstAdd = element.AddRefs.Count > 0 ? adds[0] : (CausalRecord?)null;
            var writes = new List<(string, Write)>(element.Fields.Count + element.RecordStringNames.Count + element.RecordDecimalNames.Count + element.RecordIntegerNames.Count);
            ReadWriteMessages(element.Fields, "element field", firstAdd, writes);
            ReadRecordColumns(element, id, firstAdd, writes);
            elements.Add((
                NameOf(element.Field, element.FieldRef, element.KnownField, "element", id),
                id,
                adds,
                ReadCausals(element.Removes, element.RemoveRefs, "remove", element, id),
                writes));
        }
        return elements;
    }

    /// <summary>One element shape of DocumentSnapshot.element_shapes: its OR-set field and its values' names and kinds.</summary>
    private readonly record struct ElementShape(string Set, string[] Names, uint[] Kinds);

    /// <summary>The removes of every column element (none): shared, as merging only reads them.</summary>
    private static readonly List<CausalRecord> s_noRemoves = [];

    private List<ElementShape> ReadElementShapes()
    {
        var codes = _message.ElementShapes;
        var shapes = new List<ElementShape>();
        for (var at = 0; at < codes.Count;)
        {
            if (at + 2 > codes.Count || codes[at + 1] > (uint)(codes.Count - at - 2) / 2)
            {
                throw new OpDecodeException($"{Here}: element shape {shapes.Count + 1} is cut off ({codes.Count} numbers in element_shapes)");
            }
            var set = NameFromCode(codes[at], "element shape", null);
            var count = (int)codes[at + 1];
            var names = new string[count];
            var kinds = new uint[count];
            at += 2;
            for (var i = 0; i < count; i++, at += 2)
            {
                names[i] = NameFromCode(codes[at], "element shape value", set);
                kinds[i] = codes[at + 1] <= 2 ? codes[at + 1] : throw new OpDecodeException($"{Here}: element shape of '{set}' has unknown value kind {codes[at + 1]}");
            }
            shapes.Add(new ElementShape(set, names, kinds));
        }
        return shapes;
    }

    /// <summary>
    /// The column elements (DocumentSnapshot.element_shape_refs and the columns beside it): each added
    /// once by the op that wrote all its values, with no removes.
    /// </summary>
    private void ReadElementColumns(List<(string, string, List<CausalRecord>, List<CausalRecord>, List<(string, Write)>)> into)
    {
        var refs = _message.ElementShapeRefs;
        var adds = _message.ElementAdds;
        var stamps = _message.ElementStamps;
        var indexes = _message.ElementIndexes;
        if (adds.Count != refs.Count || stamps.Count != refs.Count || (indexes.Count != 0 && indexes.Count != refs.Count))
        {
            throw new OpDecodeException($"{Here}: the element columns have unequal lengths ({refs.Count} shapes, {adds.Count} adds, {stamps.Count} stamps, {indexes.Count} indexes)");
        }
        if (refs.Count == 0 && _message.ElementShapes.Count == 0 && _message.ElementIntegers.Count == 0)
        {
            return;
        }
        var shapes = ReadElementShapes();
        var integers = _message.ElementIntegers;
        var integerAt = 0;
        for (var i = 0; i < refs.Count; i++)
        {
            var id = _pool.Take("an element", "of the element columns");
            if (id.Length == 0)
            {
                throw new OpDecodeException($"{Here}: an element has no id");
            }
            if (refs[i] >= (uint)shapes.Count)
            {
                throw new OpDecodeException($"{Here}: element '{id}' names shape {refs[i]} of {shapes.Count}");
            }
            var shape = shapes[(int)refs[i]];
            var add = OpAt(adds[i], "element add", id);
            var hlc = StampOf(stamps[i], add.Dot, "element record of", id);
            var index = indexes.Count == 0 ? 0u : indexes[i];
            if (index > int.MaxValue)
            {
                throw new OpDecodeException($"{Here}: element '{id}' has an invalid index");
            }
            var writes = _spare?.Writes(shape.Names.Length) ?? new List<(string, Write)>(shape.Names.Length);
            for (var v = 0; v < shape.Names.Length; v++)
            {
                var name = shape.Names[v];
                var value = shape.Kinds[v] switch
                {
                    0 => FieldValue.String(_pool.Take("element field", name)),
                    1 => WireConvert.DecimalFrom(_pool.Take("element field", name), Where.InSnapshot(_key, "element field", name)),
                    _ => integerAt < integers.Count
                        ? FieldValue.Integer(integers[integerAt++])
                        : throw new OpDecodeException($"{Here}: element field '{name}' has no integer left in the element columns"),
                };
                writes.Add((name, new Write(add, hlc, (int)index, value)));
            }
            into.Add((shape.Set, id, _spare?.Adds(add) ?? [add], s_noRemoves, writes));
        }
        if (integerAt != integers.Count)
        {
            throw new OpDecodeException($"{Here}: the element columns have {integers.Count - integerAt} integers left over");
        }
    }

    private List<CausalRecord> ReadCausals(RepeatedField<Wire.StateDot> dots, RepeatedField<uint> refs, string what, Wire.ElementState element, string id)
    {
        var list = new List<CausalRecord>(dots.Count + refs.Count);
        foreach (var reference in refs)
        {
            list.Add(OpAt(reference, $"element {what}", id));
        }
        if (dots.Count > 0)
        {
            OlderCausals(dots, what, element, id, list);
        }
        return list;
    }

    /// <summary>An element's values written by its first add, in the record columns (strings from the pool when record_strings is empty).</summary>
    private void ReadRecordColumns(Wire.ElementState element, string id, CausalRecord? firstAdd, List<(string, Write)> into)
    {
        var count = element.RecordStringNames.Count + element.RecordDecimalNames.Count + element.RecordIntegerNames.Count;
        if (count == 0)
        {
            return;
        }
        if (firstAdd is not { } add)
        {
            throw new OpDecodeException($"{Here}: element '{id}' has record values but no add_refs to take their op from");
        }
        var pooled = element.RecordStrings.Count == 0;
        if ((!pooled && element.RecordStringNames.Count != element.RecordStrings.Count) || element.RecordDecimalNames.Count != element.RecordDecimals.Count
            || element.RecordIntegerNames.Count != element.RecordIntegers.Count || element.RecordIndex > int.MaxValue)
        {
            throw new OpDecodeException($"{Here}: element '{id}' has record columns of unequal lengths or an invalid index");
        }
        var hlc = StampOf(element.RecordStamp, add.Dot, "element record of", id);
        var index = (int)element.RecordIndex;
        for (var i = 0; i < element.RecordStringNames.Count; i++)
        {
            var name = NameFromCode(element.RecordStringNames[i], "element record field", id);
            var text = pooled ? _pool.Take("element field", name) : element.RecordStrings[i];
            into.Add((name, new Write(add, hlc, index, FieldValue.String(text))));
        }
        for (var i = 0; i < element.RecordDecimals.Count; i++)
        {
            var name = NameFromCode(element.RecordDecimalNames[i], "element record field", id);
            into.Add((name, new Write(add, hlc, index, WireConvert.DecimalFrom(element.RecordDecimals[i], Where.InSnapshot(_key, "element field", name)))));
        }
        for (var i = 0; i < element.RecordIntegers.Count; i++)
        {
            into.Add((NameFromCode(element.RecordIntegerNames[i], "element record field", id), new Write(add, hlc, index, FieldValue.Integer(element.RecordIntegers[i]))));
        }
    }

    private List<(string FlagId, ResolutionState Resolution)> ReadResolutions()
    {
        var resolutions = new List<(string, ResolutionState)>(_message.Resolutions.Count);
        foreach (var resolution in _message.Resolutions)
        {
            if (string.IsNullOrEmpty(resolution.FlagId) || (int)resolution.Resolution is < 1 or > 4)
            {
                throw new OpDecodeException($"{Here}: a resolution has no flag id or an unknown resolution {(int)resolution.Resolution}");
            }
            var causal = Causal(resolution.Dot, "resolution of", resolution.FlagId);
            var hlc = HlcOf(resolution.Hlc, causal.Dot, "resolution of", resolution.FlagId);
            if (resolution.Index > int.MaxValue)
            {
                throw new OpDecodeException($"{Here}: the resolution of '{resolution.FlagId}' has an invalid index");
            }
            resolutions.Add((resolution.FlagId, new ResolutionState(causal, hlc, (int)resolution.Index, (Resolution)(int)resolution.Resolution)));
        }
        return resolutions;
    }

    /// <summary>Dot -> record, for StateDots (resolutions, and the older form's writes and elements): built on first use only.</summary>
    private Dictionary<Dot, CausalRecord>? _byDot;

    private bool TryRecord(Dot dot, out CausalRecord record)
    {
        if (_byDot is null)
        {
            _byDot = new Dictionary<Dot, CausalRecord>(_records.Count);
            foreach (var op in _records)
            {
                _byDot[op.Causal.Dot] = op.Causal;
            }
        }
        return _byDot.TryGetValue(dot, out record);
    }

    /// <summary>The op record a StateDot names (resolutions name their op so).</summary>
    private CausalRecord Causal(Wire.StateDot? dotMessage, string what, string name)
    {
        if (dotMessage is null || dotMessage.Replica >= _replicas.Length || dotMessage.Seq == 0 || dotMessage.Seq > long.MaxValue)
        {
            throw new OpDecodeException($"{Here}: {what} '{name}' has a missing or invalid dot (replica index or sequence out of range)");
        }
        var dot = new Dot(_replicas[dotMessage.Replica], (long)dotMessage.Seq);
        return TryRecord(dot, out var record)
            ? record
            : throw new OpDecodeException($"{Here}: {what} '{name}' names op {dot}, which is in none of the snapshot's op runs");
    }

    /// <summary>An Hlc message whose wall time is an offset from hlc_base_ms when that is set.</summary>
    private Hlc HlcOf(Wire.Hlc? hlc, Dot dot, string what, string name)
    {
        if (hlc is null || hlc.Counter > Hlc.MaxCounter)
        {
            throw new OpDecodeException($"{Here}: {what} '{name}' has a missing or invalid hlc");
        }
        var wall = hlc.WallMs;
        if (_message.HlcBaseMs > 0)
        {
            if (wall < 0 || wall > long.MaxValue - _message.HlcBaseMs)
            {
                throw new OpDecodeException($"{Here}: {what} '{name}' has an hlc offset {wall} out of range");
            }
            wall += _message.HlcBaseMs;
        }
        var result = new Hlc(wall, (int)hlc.Counter, dot.Replica);
        if (result > _maxHlc)
        {
            _maxHlc = result;
        }
        return result;
    }

    private (VersionVector? Base, VersionVector? DeltaPeer) ReadCompactedBase()
    {
        if (_message.CompactedBase is not { Entries.Count: > 0 })
        {
            return (null, null);
        }
        var compactedBase = WireConvert.FromMessage(_message.CompactedBase, Where.InSnapshot(_key, "compacted base", "-"));
        var deltaPeer = _message.DeltaPeerVersion is { Entries.Count: > 0 } ? WireConvert.FromMessage(_message.DeltaPeerVersion, Where.InSnapshot(_key, "delta peer version", "-")) : null;
        if (_message.CompactedMaxHlc is { } baseHlc)
        {
            if (baseHlc.Counter > Hlc.MaxCounter || baseHlc.WallMs < 0)
            {
                throw new OpDecodeException($"{Here}: the compacted base's newest hlc is out of range");
            }
            var stamp = new Hlc(baseHlc.WallMs, (int)baseHlc.Counter, baseHlc.Replica.Length > 0 ? WireConvert.ReplicaFrom(baseHlc.Replica, Here + " compacted base hlc") : default);
            if (stamp > _maxHlc)
            {
                _maxHlc = stamp;
            }
        }
        return (compactedBase, deltaPeer);
    }
}
