using Crdt.Core.Codec;
using Crdt.Core.Flags;
using Crdt.Core.Merge;
using Crdt.Core.Views;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core;

/// <summary>
/// The in-memory CRDT state of many documents.
/// <para>
/// Convergence choice: ops commute; nothing is buffered. Each document's state is a pure
/// function of the set of ops folded into it (register winners are maxima by Hlc, element
/// additions and removals are sets, each removal removes the additions its op's context
/// covers, resolutions are maxima, and every op's causal record is kept), so an op whose causal
/// predecessors have not arrived yet is applied at once and the result is the same in any
/// delivery order, with any duplication. Flags and the read model are derived from that state
/// on demand (and cached until the document changes).
/// </para>
/// <para>Not thread-safe: one writer at a time (the replica and relay serialize access).</para>
/// </summary>
public sealed partial class DocumentSet
{
    private readonly Dictionary<DocumentKey, DocumentState> _documents = [];
    // The same states, for the lookup every applied or edited op makes (see DocumentIndex); added to with _documents.
    private readonly DocumentIndex _index = new();
    private readonly DotTracker _dots = new();

    /// <summary>An empty set using <paramref name="schemas"/> for flags and totals.</summary>
    public DocumentSet(SchemaRegistry schemas)
    {
        Schemas = schemas ?? throw new ArgumentNullException(nameof(schemas));
    }

    /// <summary>The collections' schemas.</summary>
    public SchemaRegistry Schemas { get; }

    /// <summary>The documents holding at least one op.</summary>
    public IReadOnlyCollection<DocumentKey> Keys => _documents.Keys;

    /// <summary>How many documents are held.</summary>
    public int Count => _documents.Count;

    /// <summary>
    /// Folds <paramref name="op"/> in. Idempotent: returns false (and changes nothing) when an op
    /// with the same dot was already applied. Does not validate against the schema (ops from
    /// other replicas were validated where they were made; the relay re-validates pushes);
    /// fields of an unknown collection are kept, with no flags.
    /// </summary>
    public bool Apply(Op op)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (_hasBases && IsInBase(op))
        {
            return false;
        }
        if (!_dots.Add(op.Dot))
        {
            return false;
        }
        State(op.Document).Apply(op);
        return true;
    }

    /// <summary>
    /// Folds in an op the local editor just stamped, with the document's state it already looked up
    /// (null for a new document), so a local edit costs one dictionary lookup less, and the op's
    /// <see cref="ValueRules.EstimateAddedBytes(Op)"/>, which the validator already computed.
    /// </summary>
    internal bool ApplyStamped(Op op, DocumentState? state, long estimatedBytes)
    {
        if (!_dots.Add(op.Dot))
        {
            return false;
        }
        (state ?? State(op.Document)).Apply(op, estimatedBytes);
        return true;
    }

    /// <summary>
    /// Null when adding about <paramref name="addedBytes"/> (see <see cref="ValueRules.EstimateAddedBytes(Op)"/>)
    /// keeps the document's encoded state within <see cref="ValueRules.MaxDocumentStateBytes"/>, else why not.
    /// The exact size is measured (by encoding the snapshot) only when the running estimate would pass
    /// the cap, so an ordinary edit costs an addition.
    /// </summary>
    public string? CheckStateCap(DocumentKey key, long addedBytes) => CheckStateCapOf(StateOf(key), key, addedBytes);

    /// <summary>As <see cref="CheckStateCap(DocumentKey, long)"/>, with the document's state already looked up (null when new).</summary>
    internal string? CheckStateCapOf(DocumentState? state, DocumentKey key, long addedBytes)
    {
        const long cap = ValueRules.MaxDocumentStateBytes;
        long size = 0;
        if (state is not null)
        {
            if (state.MeasuredBytes + state.BytesSinceMeasure + addedBytes <= cap)
            {
                return null;
            }

            state.MeasuredBytes = ToSnapshotMessage(key).CalculateSize();
            state.BytesSinceMeasure = 0;
            size = state.MeasuredBytes;
        }
        return size + addedBytes <= cap
            ? null
            : $"the document's encoded state would grow to about {size + addedBytes} bytes, over the {cap} bytes one document may hold " +
              "(its snapshot must fit in one message); put large content in a new document";
    }

    /// <summary>How many elements the OR-set <paramref name="set"/> of the document was ever given (removed ones too).</summary>
    public int ElementCount(DocumentKey key, string set) =>
        _documents.TryGetValue(key, out var state) && state.Sets.TryGetValue(set, out var elements) ? elements.Count : 0;

    /// <summary>The highest sequence of <paramref name="replica"/> among the ops of the document held (0 when none).</summary>
    public long HighestSeq(DocumentKey key, ReplicaId replica) =>
        _documents.TryGetValue(key, out var state) ? state.Version.Get(replica) : 0;

    /// <summary>Applies every op; returns how many were new.</summary>
    public int ApplyAll(IEnumerable<Op> ops)
    {
        var applied = 0;
        foreach (var op in ops)
        {
            applied += Apply(op) ? 1 : 0;
        }
        return applied;
    }

    /// <summary>True when the op <paramref name="dot"/> has been applied (directly or through a snapshot).</summary>
    public bool Contains(Dot dot) => _dots.Contains(dot);

    /// <summary>True when the document holds at least one op.</summary>
    public bool Exists(DocumentKey key) => _documents.ContainsKey(key);

    /// <summary>The document's read model, or null when no op of it is held.</summary>
    public DocumentView? Get(DocumentKey key) => _documents.TryGetValue(key, out var state) ? Derived(state).View : null;

    /// <summary>The document's read model; throws <see cref="KeyNotFoundException"/> naming it when no op of it is held.</summary>
    public DocumentView View(DocumentKey key) => Get(key) ?? throw new KeyNotFoundException($"document {key} is not in this set");

    /// <summary>The document's version vector (a copy; empty when unknown): the causal context of a new edit.</summary>
    public VersionVector VersionOf(DocumentKey key) => _documents.TryGetValue(key, out var state) ? state.Version.Clone() : new VersionVector();

    /// <summary>The highest sequence applied per replica over all documents (a copy).</summary>
    public VersionVector Maxima() => _dots.Maxima();

    /// <summary>The document's flags sorted by id (empty when unknown).</summary>
    public IReadOnlyList<Flag> Flags(DocumentKey key) => _documents.TryGetValue(key, out var state) ? Derived(state).Flags : [];

    /// <summary>Every document's flags, by document then id.</summary>
    public IReadOnlyList<Flag> AllFlags()
    {
        var flags = new List<Flag>();
        foreach (var key in _documents.Keys.OrderBy(k => k))
        {
            flags.AddRange(Flags(key));
        }
        return flags;
    }

    /// <summary>Finds a flag by id over all documents.</summary>
    public Flag? FindFlag(string flagId)
    {
        foreach (var state in _documents.Values)
        {
            foreach (var flag in Derived(state).Flags)
            {
                if (flag.Id == flagId)
                {
                    return flag;
                }
            }
        }
        return null;
    }

    /// <summary>The document's full state as <c>DocumentSnapshot</c> bytes (to persist, or to bootstrap another replica).</summary>
    public byte[] EncodeSnapshot(DocumentKey key) => SnapshotCodec.EncodeToBytes(RequireState(key), null);

    /// <summary>
    /// What a peer whose version vector of the document is <paramref name="peerVersion"/> lacks,
    /// as <c>DocumentSnapshot</c> bytes (a delta): op records, register winners and elements the
    /// peer has not seen; register values already overwritten are not sent. Exact when the
    /// peer has no gaps below its vector (ops of one origin arrive in order, as sync delivers them);
    /// otherwise send the full snapshot.
    /// </summary>
    public byte[] EncodeDelta(DocumentKey key, VersionVector peerVersion) => SnapshotCodec.EncodeToBytes(RequireState(key), peerVersion);

    /// <summary>The snapshot (or, with <paramref name="peerVersion"/>, the delta) as a protobuf message.</summary>
    internal Wire.DocumentSnapshot ToSnapshotMessage(DocumentKey key, VersionVector? peerVersion = null) =>
        SnapshotCodec.Encode(RequireState(key), peerVersion);

    private DocumentState RequireState(DocumentKey key) =>
        _documents.TryGetValue(key, out var state) ? state : throw new KeyNotFoundException($"document {key} is not in this set");

    /// <summary>
    /// Merges snapshot or delta bytes. Idempotent and commutes with <see cref="Apply"/>. Throws
    /// <see cref="OpDecodeException"/> on garbage or invalid input, and then changes nothing.
    /// Returns whether anything was new.
    /// </summary>
    public bool MergeSnapshot(ReadOnlySpan<byte> bytes)
    {
        // Read into the thread's spare lists: the merge copies what it keeps, then they go back for the next snapshot.
        var parsed = SnapshotCodec.ReadReusing(bytes);
        try
        {
            return MergeParsed(parsed, bytes.Length);
        }
        finally
        {
            parsed.Borrowed?.Return();
        }
    }

    /// <summary>Merges a snapshot message (see <see cref="MergeSnapshot(ReadOnlySpan{byte})"/>).</summary>
    internal bool MergeSnapshot(Wire.DocumentSnapshot message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return MergeParsed(SnapshotCodec.Validate(message), message.CalculateSize());
    }

    /// <summary>Merges a snapshot prepared (parsed and validated) beforehand, possibly on another thread.</summary>
    public bool MergeSnapshot(PreparedSnapshot prepared)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        return MergeParsed(prepared.Parsed, prepared.Size);
    }

    private bool MergeParsed(SnapshotCodec.Parsed parsed, int size)
    {
        if (parsed.Base is not null || StateOf(parsed.Key)?.Base is not null)
        {
            return MergeCompactedSnapshot(parsed);
        }
        var changed = false;
        // Usually every op record is new to this set (a delta computed from our version vector, or a
        // document being loaded): then nothing needs filtering and no set of fresh dots is built.
        var freshCount = 0;
        foreach (var record in parsed.Records)
        {
            if (!_dots.Contains(record.Causal.Dot))
            {
                freshCount++;
            }
        }
        if (freshCount > 0)
        {
            HashSet<Dot>? fresh = null;
            if (freshCount < parsed.Records.Count)
            {
                fresh = new HashSet<Dot>(freshCount);
                foreach (var record in parsed.Records)
                {
                    if (!_dots.Contains(record.Causal.Dot))
                    {
                        fresh.Add(record.Causal.Dot);
                    }
                }
            }
            bool IsFresh(Dot dot) => fresh is null || fresh.Contains(dot);

            var state = State(parsed.Key);
            if (fresh is null)
            {
                PresizeFor(state, parsed);
            }
            // What the snapshot brings counts towards the state cap's running estimate, as applied ops do.
            state.BytesSinceMeasure += size;
            foreach (var (field, write) in parsed.Fields)
            {
                if (IsFresh(write.Dot))
                {
                    DocumentState.SetRegister(state.Fields, field, write, state.KeepsHistory(field));
                }
            }
            foreach (var (set, id, adds, removes, fields) in parsed.Elements)
            {
                var element = state.Element(set, id);
                foreach (var add in adds)
                {
                    if (IsFresh(add.Dot))
                    {
                        element.Adds.Add(add);
                    }
                }
                foreach (var remove in removes)
                {
                    if (IsFresh(remove.Dot))
                    {
                        element.Removes.Add(remove);
                    }
                }
                foreach (var (field, write) in fields)
                {
                    if (IsFresh(write.Dot))
                    {
                        DocumentState.SetRegister(element.Fields, field, write, false);
                    }
                }
            }
            foreach (var (flagId, resolution) in parsed.Resolutions)
            {
                if (IsFresh(resolution.Causal.Dot))
                {
                    state.SetResolution(flagId, resolution);
                }
            }
            // Records arrive sorted by dot (the encoder writes runs in dot order), which keeps the op log's runs long.
            // All new (a document being loaded, a delta computed from our version): each run goes in at once.
            var added = fresh is null ? AddRuns(state, parsed) : 0;
            for (var i = added; i < parsed.Records.Count; i++)
            {
                var record = parsed.Records[i];
                var dot = record.Causal.Dot;
                if (!IsFresh(dot))
                {
                    continue;
                }
                if (record.Kind == OpKind.Delete)
                {
                    state.AddDelete(record.Causal);
                }
                _dots.Add(dot);
                state.AddOp(record, default);
            }
            state.Touch(parsed.MaxHlc);
            changed = true;
        }
        foreach (var op in parsed.Ops)
        {
            changed |= Apply(op);
        }
        return changed;
    }

    /// <summary>
    /// The op whose write of top-level field <paramref name="field"/> currently wins by Hlc (null when
    /// the document or the field was never written). A keep-mine resolution can make a losing value
    /// shown instead; <see cref="View"/> has the value a person sees.
    /// </summary>
    public Dot? WinningWriteOf(DocumentKey key, string field) =>
        _documents.TryGetValue(key, out var state) && state.Fields.TryGetValue(field, out var register) && register.HasWinner
            ? register.Winner.Dot
            : null;

    /// <summary>The ops that deleted the document, sorted (empty when none or unknown).</summary>
    public IReadOnlyList<Dot> DeletesOf(DocumentKey key) =>
        _documents.TryGetValue(key, out var state) ? state.Deletes.Select(d => d.Dot).Order().ToArray() : [];

    /// <summary>The newest Hlc folded into the document (a local edit is stamped after it).</summary>
    internal Hlc MaxHlcOf(DocumentKey key) => _documents.TryGetValue(key, out var state) ? state.MaxHlc : default;

    internal DocumentState? StateOf(DocumentKey key) => _index.Find(key);

    private DocumentState State(DocumentKey key)
    {
        if (_index.Find(key) is not { } state)
        {
            Schemas.TryGet(key.Collection, out var schema);
            state = new DocumentState(key, schema);
            _documents.Add(key, state);
            _index.Add(state);
        }
        return state;
    }

    private static DerivedCache Derived(DocumentState state)
    {
        if (state.Cache is { } cache && cache.Revision == state.Revision)
        {
            return cache;
        }
        var flags = FlagDeriver.Derive(state);
        cache = new DerivedCache(state.Revision, flags, ViewBuilder.Build(state, flags));
        state.Cache = cache;
        return cache;
    }
}
