using System.Globalization;
using Crdt.Core.Merge;
using Google.Protobuf.Collections;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Codec;

/// <summary>
/// Writes a document's state (or what a peer with a given version vector lacks) as a compact
/// <c>DocumentSnapshot</c>: replicas, names and authors are written once in tables; a write names
/// its op by position among the snapshot's op records (<c>op_ref</c>) instead of repeating the dot,
/// and its Hlc as one packed number (<c>stamp</c>); common values are inline. Decoding is in
/// <see cref="SnapshotCodec"/>, which also still reads the older, longer forms.
/// </summary>
internal sealed partial class SnapshotEncoder
{
    // The peer's version vector (null: the full state is written), and the last replica looked up in it:
    // a delta asks "does the peer lack this op?" for every op record, add and write of the document.
    private VersionVector? _peer;
    private string? _peerCachedReplica;
    private long _peerCachedSeq;
    // The document being written (named in errors).
    private DocumentKey _key;
    private readonly Dictionary<ReplicaId, uint> _replicas = [];
    private readonly Dictionary<string, uint> _names = new(StringComparer.Ordinal);
    // The replica and name tables in order (DocumentSnapshot.replicas and names).
    private readonly List<string> _replicaTable = [];
    private readonly List<string> _nameTable = [];
    // The sections kept as generated messages (writes, elements and resolutions the columns do not hold: rare).
    private readonly List<Wire.RegisterWrite> _fieldMessages = [];
    private readonly List<Wire.ElementState> _elementMessages = [];
    private readonly List<Wire.ResolutionRecord> _resolutions = [];
    // Set by Stamp: the snapshot's hlc_base_ms and stamp_shift.
    private long _hlcBaseMs;
    private int _stampShift;
    // The op records the snapshot carries, sorted by dot: a write's op_ref is its record's position + 1.
    private readonly List<OpRecord> _ops = [];
    // Writes whose stamp is filled in at the end, once the base time and counter width are known.
    private readonly List<(Wire.RegisterWrite Message, Hlc Hlc)> _stamped = [];
    private readonly List<(Wire.RegisterWrite Message, Hlc Hlc)> _list = [];
    private readonly List<(Wire.ElementState Message, Hlc Hlc)> _records = [];
    // Hlcs of the write columns' entries that carry a stamp, in column order (filled in by Stamp).
    private readonly List<Hlc> _columnStamps = [];
    private uint _columnPreviousOp;
    private Hlc _columnPreviousHlc;
    private bool _columnIndexes;
    private bool _columnKinds;
    // The string pool, in the order the reader takes it (see DocumentSnapshot.string_lengths): the write
    // columns' and column elements' strings, then the ElementState messages' (_messagePool).
    private readonly List<string> _pool = [];
    private readonly List<string> _messagePool = [];
    // The id and record strings of the element being written.
    private readonly List<string> _elementStrings = [];
    // Element shapes written so far, each as its numbers in element_shapes (start, length).
    private readonly List<(int Start, int Length)> _shapes = [];
    private readonly List<uint> _shape = [];
    private readonly List<Hlc> _elementStamps = [];
    private bool _elementIndexes;
    private readonly List<uint> _elementIndexList = [];

    // One encoder per thread, reused: a delta of a small document is a few hundred bytes, and a fresh
    // encoder's two dozen lists and tables cost more than writing it (W3 sends 2,000 such deltas).
    [ThreadStatic]
    private static SnapshotEncoder? t_reusable;

    // An encoder that held more than this many entries in one of its lists is dropped after use rather
    // than kept for the next encode with its grown arrays.
    private const int ReusableCapacity = 4096;

    private SnapshotEncoder()
    {
    }

    /// <summary>
    /// Takes this thread's encoder (or a new one) out for one encode; <see cref="Release"/> puts it back. Taken out
    /// while in use, put back only after a clean finish: an exception half-way leaves no half-filled encoder behind.
    /// </summary>
    private static SnapshotEncoder Take()
    {
        var encoder = t_reusable ?? new SnapshotEncoder();
        t_reusable = null;
        return encoder;
    }

    private void Release()
    {
        if (Reset())
        {
            t_reusable = this;
        }
    }

    /// <summary>
    /// Gathers what the snapshot of the document (or the delta for <paramref name="peer"/>) carries into this
    /// encoder's tables, lists and columns, stamps included; <see cref="ToMessage"/> or <see cref="ToBytes"/> then writes it.
    /// </summary>
    private void Collect(DocumentState state, VersionVector? peer)
    {
        _peer = peer;
        _key = state.Key;
        EncodeRuns(state.Ops);
        EncodeState(state);
        Stamp();
        // The string pool in the order the reader takes it: the columns' strings, then the ElementState messages'.
        _pool.AddRange(_messagePool);
    }

    /// <summary>The compacted base, its latest Hlc and the peer's vector a delta of a compacted document carries (null when not).</summary>
    private static (Wire.VersionVector? Base, Wire.Hlc? MaxHlc, Wire.VersionVector? PeerVersion) CompactionParts(DocumentState state, VersionVector? peer)
    {
        if (state.Base is not { } compactedBase)
        {
            return (null, null, null);
        }
        var maxHlc = new Wire.Hlc { WallMs = state.MaxHlc.WallMs, Counter = (uint)state.MaxHlc.Counter, Replica = state.MaxHlc.Replica.Value ?? "" };
        return (WireConvert.ToMessage(compactedBase), maxHlc, peer is not null && !peer.IsEmpty ? WireConvert.ToMessage(peer) : null);
    }

    /// <summary>Empties every list and table for the next encode (dropping the references they held); false when they grew too large to keep.</summary>
    private bool Reset()
    {
        var small = _ops.Count <= ReusableCapacity && _pool.Count <= ReusableCapacity && _stamped.Count <= ReusableCapacity
            && _columnStamps.Count <= ReusableCapacity && _elementStamps.Count <= ReusableCapacity && _names.Count <= ReusableCapacity
            && _replicas.Count <= ReusableCapacity && _shapes.Count <= ReusableCapacity && _registerBuffer.Count <= ReusableCapacity
            && _elementBuffer.Count <= ReusableCapacity && _writeNames.Count <= ReusableCapacity && _elementShapes.Count <= ReusableCapacity
            && _elementAdds.Count <= ReusableCapacity && _elementIntegers.Count <= ReusableCapacity
            && _runSequence.Capacity <= ReusableCapacity && _runs.Count <= ReusableCapacity && _runNumbers.Count <= ReusableCapacity
            && _riceBytes.Length <= ReusableCapacity * 4 && _output.Capacity <= ReusableOutputBytes
            && _poolLengths.Count <= ReusableCapacity && _stampValues.Count <= ReusableCapacity;
        _peer = null;
        _peerCachedReplica = null;
        _peerCachedSeq = 0;
        _key = default;
        _replicas.Clear();
        _names.Clear();
        _replicaTable.Clear();
        _nameTable.Clear();
        _fieldMessages.Clear();
        _elementMessages.Clear();
        _resolutions.Clear();
        _runs.Clear();
        _runNumbers.Clear();
        _riceLength = 0;
        _hlcBaseMs = 0;
        _stampShift = 0;
        _ops.Clear();
        _stamped.Clear();
        _list.Clear();
        _records.Clear();
        _columnStamps.Clear();
        _columnPreviousOp = 0;
        _columnPreviousHlc = default;
        _columnIndexes = false;
        _columnKinds = false;
        _columnIndexList.Clear();
        _columnKindList.Clear();
        _pool.Clear();
        _messagePool.Clear();
        _elementStrings.Clear();
        _shapes.Clear();
        _shape.Clear();
        _elementStamps.Clear();
        _elementIndexes = false;
        _elementIndexList.Clear();
        _registerBuffer.Clear();
        _elementBuffer.Clear();
        _setBuffer.Clear();
        _writeNames.Clear();
        _writeOps.Clear();
        _writeIntegers.Clear();
        _elementShapes.Clear();
        _elementShapeRefs.Clear();
        _elementAdds.Clear();
        _elementIntegers.Clear();
        _record.Clear();
        return small;
    }

    /// <summary>True when the snapshot must carry the op <paramref name="dot"/>: always for a full snapshot, else when the peer lacks it.</summary>
    private bool Wanted(Dot dot)
    {
        if (_peer is null)
        {
            return true;
        }
        var replica = dot.Replica.Value;
        if (!ReferenceEquals(replica, _peerCachedReplica))
        {
            _peerCachedSeq = _peer.Get(dot.Replica);
            _peerCachedReplica = replica;
        }
        return dot.Seq > _peerCachedSeq;
    }

    private uint ReplicaIndex(ReplicaId replica)
    {
        if (!_replicas.TryGetValue(replica, out var index))
        {
            index = (uint)_replicas.Count;
            _replicas.Add(replica, index);
            _replicaTable.Add(replica.Value);
        }
        return index;
    }

    /// <summary>Names a register write's field: by number in the built-in table when it is there, else through the name table.</summary>
    private void Name(Wire.RegisterWrite write, string name) => (write.KnownField, write.FieldRef) = NameParts(name);

    /// <summary>(built-in number, 0) when the name is in the built-in table, else (0, its name table reference); 0 is not written.</summary>
    private (uint Known, uint Ref) NameParts(string name)
    {
        var known = KnownNames.NumberOf(name);
        return known > 0 ? (known, 0) : (0, NameRef(name));
    }

    /// <summary>A name as coded in an element's record columns: 2n for built-in name n, 2r+1 for name table entry r.</summary>
    private uint NameCode(string name)
    {
        var known = KnownNames.NumberOf(name);
        return known > 0 ? known * 2 : NameRef(name) * 2 + 1;
    }

    /// <summary>Puts a value of the element's add into its record columns; false for kinds the columns do not hold.</summary>
    private bool AddToRecord(ElementRecord record, string name, FieldValue value)
    {
        switch (value.Kind)
        {
            case FieldValueKind.String:
                record.StringNames.Add(NameCode(name));
                _elementStrings.Add(value.AsString());
                return true;
            case FieldValueKind.Decimal:
                record.DecimalNames.Add(NameCode(name));
                record.Decimals.Add(value.AsDecimal().ToString(CultureInfo.InvariantCulture));
                return true;
            case FieldValueKind.Integer:
                record.IntegerNames.Add(NameCode(name));
                record.Integers.Add(value.AsInteger());
                return true;
            default:
                return false;
        }
    }

    private uint NameRef(string name)
    {
        if (!_names.TryGetValue(name, out var reference))
        {
            _nameTable.Add(name);
            reference = (uint)_nameTable.Count;
            _names.Add(name, reference);
        }
        return reference;
    }

    /// <summary>The op's position among the snapshot's op records + 1 (a binary search: they are sorted by dot).</summary>
    private uint OpRef(Dot dot)
    {
        var ops = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_ops);
        var low = 0;
        var high = ops.Length - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) >> 1);
            var at = ops[middle].Causal.Dot;
            // Replica ids of one document are mostly the same string instance: compare those by reference first.
            var c = ReferenceEquals(at.Replica.Value, dot.Replica.Value) ? 0 : at.Replica.CompareTo(dot.Replica);
            if (c == 0)
            {
                c = at.Seq.CompareTo(dot.Seq);
            }
            if (c == 0)
            {
                return (uint)middle + 1;
            }
            if (c < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        throw new InvalidOperationException($"snapshot of {_key.Collection}/{_key.Id}: op {dot} is written to but is not in the document's op log");
    }

    /// <summary>Op records sorted by dot, grouped into runs of one replica sharing kind, author and context; numbers them for op_ref.</summary>
    private void EncodeRuns(OpLog log)
    {
        var ops = _ops;
        if (!log.CollectUncovered(_peer, ops))
        {
            ops.Sort(s_byDot);
        }
        var open = false;
        var run = default(RunRecord);
        OpRecord previous = default;
        // The open run's sequence: its first number, then the gaps (moved into _runNumbers when the run ends).
        var sequence = _runSequence;
        foreach (var op in ops)
        {
            var causal = op.Causal;
            if (open && previous.Causal.Dot.Equals(causal.Dot))
            {
                // OpRef's binary search needs each dot once (a log never holds one op twice).
                throw new InvalidOperationException($"snapshot of {_key.Collection}/{_key.Id}: op {causal.Dot} is twice in the document's op log");
            }
            if (open && previous.Causal.Dot.Replica.Equals(causal.Dot.Replica) && previous.Kind == op.Kind
                && string.Equals(previous.Causal.Author, causal.Author, StringComparison.Ordinal)
                && (ReferenceEquals(previous.Causal.Context, causal.Context) || previous.Causal.Context.Equals(causal.Context)))
            {
                sequence.Add((ulong)(causal.Dot.Seq - previous.Causal.Dot.Seq));
            }
            else
            {
                if (open)
                {
                    EndRun(run, sequence);
                }
                // Tables filled in this order (replica, author, context replicas): the order the message path always had.
                var replicaRef = ReplicaIndex(causal.Dot.Replica) + 1;
                var authorRef = causal.Author.Length > 0 ? NameRef(causal.Author) : 0;
                var contextStart = _runNumbers.Count;
                var context = causal.Context;
                for (var i = 0; i < context.Count; i++)
                {
                    _runNumbers.Add(ReplicaIndex(context.ReplicaAt(i)) + 1);
                    _runNumbers.Add((ulong)context.SeqAt(i));
                }
                run = new RunRecord
                {
                    ReplicaRef = replicaRef,
                    Kind = (uint)op.Kind,
                    AuthorRef = authorRef,
                    ContextStart = contextStart,
                    ContextLength = _runNumbers.Count - contextStart,
                };
                sequence.Add((ulong)causal.Dot.Seq);
                open = true;
            }
            previous = op;
        }
        if (open)
        {
            EndRun(run, sequence);
        }
    }

    // One run's sequence while it is being collected (see EncodeRuns), reused from run to run.
    private readonly List<ulong> _runSequence = [];

    /// <summary>
    /// Ends a run: its sequence (first number, then the gaps) goes into _runNumbers, the gaps as a Golomb-Rice
    /// code in _riceBytes when that is shorter than their varints (then only the first number stays a varint).
    /// </summary>
    private void EndRun(RunRecord run, List<ulong> sequence)
    {
        var gaps = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sequence)[1..];
        run.SeqStart = _runNumbers.Count;
        if (gaps.Length >= 2 && RiceCodeIsShorter(gaps, out var k, out var bytes))
        {
            if (_riceBytes.Length - _riceLength < bytes)
            {
                Array.Resize(ref _riceBytes, Math.Max(_riceBytes.Length * 2, _riceLength + bytes));
            }
            RiceCode.EncodeInto(gaps, k, _riceBytes.AsSpan(_riceLength, bytes));
            run.RiceStart = _riceLength;
            run.RiceLength = bytes;
            run.RiceK = (uint)k;
            _riceLength += bytes;
            _runNumbers.Add(sequence[0]);
        }
        else
        {
            _runNumbers.AddRange(sequence);
        }
        run.SeqLength = _runNumbers.Count - run.SeqStart;
        _runs.Add(run);
        sequence.Clear();
    }

    /// <summary>
    /// One OpRun of the snapshot: its references, and where its numbers are: context pairs and sequence numbers
    /// in _runNumbers, the Rice-coded gaps (if any) in _riceBytes.
    /// </summary>
    private struct RunRecord
    {
        public uint ReplicaRef;
        public uint Kind;
        public uint AuthorRef;
        public int ContextStart;
        public int ContextLength;
        public int SeqStart;
        public int SeqLength;
        public int RiceStart;
        public int RiceLength;
        public uint RiceK;
    }

    private readonly List<RunRecord> _runs = [];
    private readonly List<ulong> _runNumbers = [];
    private byte[] _riceBytes = new byte[256];
    private int _riceLength;

    /// <summary>Whether the gaps' best Golomb-Rice code, with its field tags, length and k, takes fewer bytes than their varints.</summary>
    private static bool RiceCodeIsShorter(ReadOnlySpan<ulong> gaps, out int k, out int bytes)
    {
        var varintBytes = 0;
        foreach (var gap in gaps)
        {
            varintBytes += Google.Protobuf.CodedOutputStream.ComputeUInt64Size(gap);
        }
        (k, bytes) = RiceCode.Best(gaps);
        // The bytes field's tag and length, and the k field, must be paid for too.
        return bytes + 2 + Google.Protobuf.CodedOutputStream.ComputeLengthSize(bytes) + 2 < varintBytes;
    }

    private void EncodeState(DocumentState state)
    {
        foreach (var (name, register) in SortedRegisters(state.Fields))
        {
            AddTopLevel(name, register);
        }
        FlushList(_fieldMessages);
        var sets = _setBuffer;
        sets.AddRange(state.Sets);
        if (sets.Count > 1)
        {
            sets.Sort(s_setByName);
        }
        foreach (var (set, elements) in sets)
        {
            // The set's name, looked up for its first element only (a set none of whose elements is written
            // must not put its name in the name table).
            (uint Known, uint Ref)? setName = null;
            foreach (var element in SortedElements(elements))
            {
                // The id goes to the string pool (element_id stays empty), with the record strings after it.
                // The element is gathered into the encoder's lists; most end up in the columns, the others
                // become an ElementState message.
                var record = _record;
                record.Clear();
                _elementStrings.Clear();
                _elementStrings.Add(element.Id);
                setName ??= NameParts(set);
                // The first add the snapshot carries (its op is add_refs[0]): the op whose writes may go in the record columns.
                Dot? firstAdd = null;
                foreach (var add in element.Adds)
                {
                    if (Wanted(add.Dot))
                    {
                        firstAdd ??= add.Dot;
                        record.AddRefs.Add(OpRef(add.Dot));
                    }
                }
                foreach (var remove in element.Removes)
                {
                    if (Wanted(remove.Dot))
                    {
                        record.RemoveRefs.Add(OpRef(remove.Dot));
                    }
                }
                Hlc? recordHlc = null;
                foreach (var (name, register) in SortedRegisters(element.Fields))
                {
                    if (!(firstAdd is { } addDot && register.History is null && register.HasWinner && register.Winner.Dot.Equals(addDot)
                        && register.Winner.Hlc.WallMs is >= 0 and < 1L << 46
                        && (recordHlc is null || record.Index == (uint)register.Winner.Index) && AddToRecord(record, name, register.Winner.Value)))
                    {
                        AddRegister(name, register);
                        continue;
                    }
                    if (recordHlc is null)
                    {
                        recordHlc = register.Winner.Hlc;
                        record.Index = (uint)register.Winner.Index;
                    }
                }
                FlushList(record.Fields, record.AddRefs.Count > 0 ? record.AddRefs[0] : 0);
                if (recordHlc is { } hlc && record.AddRefs.Count == 1 && record.RemoveRefs.Count == 0 && record.Fields.Count == 0)
                {
                    AddColumnElement(setName.Value, record, hlc);
                    continue;
                }
                if (record.AddRefs.Count + record.RemoveRefs.Count + record.Fields.Count > 0 || recordHlc is not null)
                {
                    var message = record.ToMessage(setName.Value);
                    if (recordHlc is { } stamp)
                    {
                        _records.Add((message, stamp));
                    }
                    _elementMessages.Add(message);
                    _messagePool.AddRange(_elementStrings);
                }
            }
        }
        foreach (var (flagId, resolution) in state.Resolutions.Count == 0 ? Enumerable.Empty<KeyValuePair<string, ResolutionState>>() : state.Resolutions.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (Wanted(resolution.Causal.Dot))
            {
                _resolutions.Add(new Wire.ResolutionRecord
                {
                    FlagId = flagId,
                    Dot = new Wire.StateDot { Replica = ReplicaIndex(resolution.Causal.Dot.Replica), Seq = (ulong)resolution.Causal.Dot.Seq },
                    Hlc = new Wire.Hlc { WallMs = resolution.Hlc.WallMs, Counter = (uint)resolution.Hlc.Counter },
                    Resolution = (Wire.Resolution)(int)resolution.Resolution,
                    Index = (uint)resolution.Index,
                });
            }
        }
    }

    private static readonly Comparison<KeyValuePair<string, Dictionary<string, ElementState>>> s_setByName = (a, b) => string.CompareOrdinal(a.Key, b.Key);
    private readonly List<KeyValuePair<string, Dictionary<string, ElementState>>> _setBuffer = [];
    private static readonly Comparison<OpRecord> s_byDot = (a, b) => a.Causal.Dot.CompareTo(b.Causal.Dot);
    private readonly List<KeyValuePair<string, Register>> _registerBuffer = [];
    private readonly List<ElementState> _elementBuffer = [];

    /// <summary>
    /// The registers holding a write the snapshot carries, by name (one reused list: valid until the next call).
    /// A delta leaves out the registers the peer has every write of before sorting, so a small delta of a
    /// large document sorts little.
    /// </summary>
    private List<KeyValuePair<string, Register>> SortedRegisters(Dictionary<string, Register> registers)
    {
        var buffer = _registerBuffer;
        buffer.Clear();
        foreach (var entry in registers)
        {
            if (_peer is null || HasWanted(entry.Value))
            {
                buffer.Add(entry);
                _warm += Warm(entry.Value);
            }
        }
        SortSmall(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer), default(ByName));
        return buffer;
    }

    /// <summary>The elements of one set with anything the snapshot carries (an add, a removal or a write), by id.</summary>
    private List<ElementState> SortedElements(Dictionary<string, ElementState> elements)
    {
        var buffer = _elementBuffer;
        buffer.Clear();
        foreach (var element in elements.Values)
        {
            if (_peer is null || HasWanted(element))
            {
                buffer.Add(element);
            }
        }
        SortSmall(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer), default(ById));
        return buffer;
    }

    /// <summary>
    /// Sorts a few items (a document's registers, a set's elements: mostly under a dozen) by insertion, whose
    /// comparisons the JIT can inline; more go to the framework's sort.
    /// </summary>
    private static void SortSmall<T, TOrder>(Span<T> items, TOrder order)
        where TOrder : struct, IOrder<T>
    {
        if (items.Length > 16)
        {
            items.Sort(order.Compare);
            return;
        }
        for (var i = 1; i < items.Length; i++)
        {
            var item = items[i];
            var j = i - 1;
            while (j >= 0 && order.Compare(items[j], item) > 0)
            {
                items[j + 1] = items[j];
                j--;
            }
            items[j + 1] = item;
        }
    }

    private interface IOrder<T>
    {
        int Compare(T a, T b);
    }

    private readonly struct ByName : IOrder<KeyValuePair<string, Register>>
    {
        public int Compare(KeyValuePair<string, Register> a, KeyValuePair<string, Register> b) => string.CompareOrdinal(a.Key, b.Key);
    }

    private readonly struct ById : IOrder<ElementState>
    {
        public int Compare(ElementState a, ElementState b) => string.CompareOrdinal(a.Id, b.Id);
    }

    // Sums what Warm read, so that the reads are not left out.
    private int _warm;

    /// <summary>
    /// Reads the winner's value and the length of its text here, in a short loop over the registers where the
    /// loads of several registers overlap, rather than one cache miss after another when each is written.
    /// </summary>
    private static int Warm(Register register) =>
        register.HasWinner && register.Winner.Value is { Kind: FieldValueKind.String } value ? value.AsString().Length : 0;

    private bool HasWanted(Register register)
    {
        if (register.History is { } history)
        {
            foreach (var write in history)
            {
                if (Wanted(write.Dot))
                {
                    return true;
                }
            }
            return false;
        }
        return register.HasWinner && Wanted(register.Winner.Dot);
    }

    private bool HasWanted(ElementState element)
    {
        foreach (var add in element.Adds)
        {
            if (Wanted(add.Dot))
            {
                return true;
            }
        }
        foreach (var remove in element.Removes)
        {
            if (Wanted(remove.Dot))
            {
                return true;
            }
        }
        foreach (var register in element.Fields.Values)
        {
            if (HasWanted(register))
            {
                return true;
            }
        }
        return false;
    }

    private void AddRegister(string name, Register register)
    {
        if (register.History is { } history)
        {
            foreach (var write in history)
            {
                if (Wanted(write.Dot))
                {
                    _list.Add((WriteMessage(name, write), write.Hlc));
                }
            }
        }
        else if (register.HasWinner && Wanted(register.Winner.Dot))
        {
            _list.Add((WriteMessage(name, register.Winner), register.Winner.Hlc));
        }
    }

    /// <summary>
    /// Moves the collected writes of one list into <paramref name="into"/>. A write made by the same op
    /// as the write before it (an element's initial values, a document's creation) leaves out its op and
    /// stamp: it inherits them from that previous write. An element's first write made by the op of the
    /// element's first add leaves out only its op (see RegisterWrite's comment in ops.proto).
    /// </summary>
    private void FlushList(IList<Wire.RegisterWrite> into, uint firstAddRef = 0)
    {
        uint previousOp = 0;
        Hlc previousHlc = default;
        foreach (var (message, hlc) in _list)
        {
            var op = message.OpRef;
            if (op == previousOp && hlc == previousHlc)
            {
                message.OpRef = 0;
            }
            else
            {
                if (into.Count == 0 && op == firstAddRef)
                {
                    message.OpRef = 0;
                }
                _stamped.Add((message, hlc));
            }
            previousOp = op;
            previousHlc = hlc;
            into.Add(message);
        }
        _list.Clear();
    }

    private Wire.RegisterWrite WriteMessage(string name, in Write write)
    {
        var message = new Wire.RegisterWrite { OpRef = OpRef(write.Dot), Index = (uint)write.Index };
        Name(message, name);
        var value = write.Value;
        switch (value.Kind)
        {
            case FieldValueKind.String:
                message.StringValue = value.AsString();
                break;
            case FieldValueKind.Decimal:
                message.DecimalValue = value.AsDecimal().ToString(CultureInfo.InvariantCulture);
                break;
            case FieldValueKind.Integer:
                message.IntegerValue = value.AsInteger();
                break;
            default:
                message.Value = WireConvert.ToMessage(value);
                break;
        }
        return message;
    }

    /// <summary>
    /// Writes every stamp as one number: the wall time as an offset from the snapshot's earliest stamp
    /// (hlc_base_ms), shifted left by just enough bits for the largest counter (stamp_shift). Resolutions
    /// keep Hlc messages, with their wall time as an offset from the same base.
    /// </summary>
    private void Stamp()
    {
        var min = long.MaxValue;
        var maxCounter = 0;
        foreach (var (_, hlc) in _stamped)
        {
            min = Math.Min(min, hlc.WallMs);
            maxCounter = Math.Max(maxCounter, hlc.Counter);
        }
        foreach (var (_, hlc) in _records)
        {
            min = Math.Min(min, hlc.WallMs);
            maxCounter = Math.Max(maxCounter, hlc.Counter);
        }
        foreach (var hlc in _columnStamps)
        {
            min = Math.Min(min, hlc.WallMs);
            maxCounter = Math.Max(maxCounter, hlc.Counter);
        }
        foreach (var hlc in _elementStamps)
        {
            min = Math.Min(min, hlc.WallMs);
            maxCounter = Math.Max(maxCounter, hlc.Counter);
        }
        var resolutions = _resolutions;
        for (var i = 0; i < resolutions.Count; i++)
        {
            min = Math.Min(min, resolutions[i].Hlc.WallMs);
        }
        var baseMs = min is > 0 and < long.MaxValue ? min : 0;
        _hlcBaseMs = baseMs;
        var shift = 0;
        while (shift < 16 && (maxCounter >> shift) != 0)
        {
            shift++;
        }
        _stampShift = shift;
        foreach (var (message, hlc) in _stamped)
        {
            var offset = hlc.WallMs - baseMs;
            if (offset is >= 0 and < 1L << 46)
            {
                message.Stamp = ((ulong)offset << shift) | (uint)hlc.Counter;
            }
            else
            {
                // A wall time before 1970 (base 0) or absurdly far from the base: an Hlc message (offset from the base, as all are).
                message.Hlc = new Wire.Hlc { WallMs = offset, Counter = (uint)hlc.Counter };
            }
        }
        foreach (var (message, hlc) in _records)
        {
            var offset = hlc.WallMs - baseMs;
            message.RecordStamp = offset is >= 0 and < 1L << 46
                ? ((ulong)offset << shift) | (uint)hlc.Counter
                : throw new InvalidOperationException($"snapshot of {_key.Collection}/{_key.Id}: an element has an Hlc a record stamp cannot hold");
        }
        // The column stamps (write_stamps, element_stamps) are worked out as they are written: see ColumnStamp.
        for (var i = 0; i < resolutions.Count; i++)
        {
            resolutions[i].Hlc.WallMs -= baseMs;
        }
    }

    /// <summary>A top-level register's writes: into the write columns when their values and stamps fit, else as RegisterWrite messages.</summary>
    private void AddTopLevel(string name, Register register)
    {
        if (register.History is { } history)
        {
            foreach (var write in history)
            {
                if (Wanted(write.Dot))
                {
                    AddColumnWrite(name, write);
                }
            }
        }
        else if (register.HasWinner && Wanted(register.Winner.Dot))
        {
            AddColumnWrite(name, register.Winner);
        }
    }

    private void AddColumnWrite(string name, in Write write)
    {
        var kind = write.Value.Kind switch
        {
            FieldValueKind.String => 0u,
            FieldValueKind.Decimal => 1u,
            FieldValueKind.Integer => 2u,
            _ => uint.MaxValue,
        };
        if (kind == uint.MaxValue || write.Hlc.WallMs is < 0 or >= 1L << 46)
        {
            _list.Add((WriteMessage(name, write), write.Hlc));
            return;
        }
        _writeNames.Add(NameCode(name));
        var op = OpRef(write.Dot);
        if (op == _columnPreviousOp && write.Hlc == _columnPreviousHlc)
        {
            _writeOps.Add(0);
        }
        else
        {
            _writeOps.Add(op);
            _columnStamps.Add(write.Hlc);
            _columnPreviousOp = op;
            _columnPreviousHlc = write.Hlc;
        }
        // Index and kind columns stay empty while every entry is 0 (filled in by FinishColumns otherwise).
        _columnIndexes |= write.Index != 0;
        _columnKinds |= kind != 0;
        _columnIndexList.Add((uint)write.Index);
        _columnKindList.Add(kind);
        switch (kind)
        {
            case 0:
                _pool.Add(write.Value.AsString());
                break;
            case 1:
                _pool.Add(write.Value.AsDecimal().ToString(CultureInfo.InvariantCulture));
                break;
            default:
                _writeIntegers.Add(write.Value.AsInteger());
                break;
        }
    }

    private readonly List<uint> _columnIndexList = [];
    private readonly List<uint> _columnKindList = [];
    // The columns' values, collected here and copied into the message once (its fields would grow step by step).
    private readonly List<uint> _writeNames = [];
    private readonly List<uint> _writeOps = [];
    private readonly List<long> _writeIntegers = [];
    private readonly List<uint> _elementShapes = [];
    private readonly List<uint> _elementShapeRefs = [];
    private readonly List<uint> _elementAdds = [];
    private readonly List<long> _elementIntegers = [];

    /// <summary>
    /// An element added once, never removed, all of whose values that add wrote: its shape (set, names
    /// and kinds) by reference, its add, stamp and index in columns, its id and values in the pool.
    /// </summary>
    private void AddColumnElement((uint Known, uint Ref) set, ElementRecord record, Hlc hlc)
    {
        var shape = _shape;
        shape.Clear();
        shape.Add(set.Known > 0 ? set.Known * 2 : set.Ref * 2 + 1);
        shape.Add((uint)(record.StringNames.Count + record.DecimalNames.Count + record.IntegerNames.Count));
        AddNames(shape, record.StringNames, 0);
        AddNames(shape, record.DecimalNames, 1);
        AddNames(shape, record.IntegerNames, 2);
        var shapes = _elementShapes;
        var reference = -1;
        for (var i = 0; i < _shapes.Count && reference < 0; i++)
        {
            var (start, length) = _shapes[i];
            if (length != shape.Count)
            {
                continue;
            }
            var same = true;
            for (var j = 0; j < length && same; j++)
            {
                same = shapes[start + j] == shape[j];
            }
            reference = same ? i : -1;
        }
        if (reference < 0)
        {
            reference = _shapes.Count;
            _shapes.Add((shapes.Count, shape.Count));
            shapes.AddRange(shape);
        }
        _elementShapeRefs.Add((uint)reference);
        _elementAdds.Add(record.AddRefs[0]);
        _elementStamps.Add(hlc);
        _elementIndexes |= record.Index != 0;
        _elementIndexList.Add(record.Index);
        _pool.AddRange(_elementStrings);
        _pool.AddRange(record.Decimals);
        _elementIntegers.AddRange(record.Integers);
    }

    /// <summary>Appends each name code of a record column to an element shape, followed by the column's kind.</summary>
    private static void AddNames(List<uint> shape, List<uint> codes, uint kind)
    {
        foreach (var code in codes)
        {
            shape.Add(code);
            shape.Add(kind);
        }
    }

    // The element being written (see ElementRecord), reused from element to element.
    private readonly ElementRecord _record = new();

    /// <summary>A column stamp as written: wall time offset from the base, shifted, and the counter (chosen with wall times in [0, 2^46); the base is at most each of them).</summary>
    private ulong ColumnStamp(Hlc hlc) => ((ulong)(hlc.WallMs - _hlcBaseMs) << _stampShift) | (uint)hlc.Counter;
}
