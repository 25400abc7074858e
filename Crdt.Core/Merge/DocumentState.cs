namespace Crdt.Core.Merge;

/// <summary>
/// The merged state of one document: a pure function of the set of ops folded into it, so
/// ops apply in any order (no buffering): register winners are maxima, element additions and
/// removals are sets, resolutions are maxima, and every op's causal record is kept for flags.
/// The caller (DocumentSet) guarantees each op is folded in once.
/// </summary>
internal sealed class DocumentState
{
    public DocumentState(DocumentKey key, CollectionSchema? schema)
    {
        Key = key;
        Schema = schema;
        _keepsAnyHistory = schema is not null && schema.HistoryFields.Count > 0;
        _registerSlots = schema is null || schema.RegisterSlotCount == 0 ? null : new Register?[schema.RegisterSlotCount];
    }

    // The top-level registers of Fields again, by the schema's register slot, filled as they are first
    // reached: a set reaches its register through one array instead of the dictionary's object, buckets
    // and entries (three cache misses on a cold document). Fields stays the registers' home (registers
    // are only ever added to it, never replaced or removed, which keeps this cache true).
    private readonly Register?[]? _registerSlots;

    // Read on every set: a field of the state instead of an interface call on the schema's set.
    private readonly bool _keepsAnyHistory;

    public DocumentKey Key { get; }
    public CollectionSchema? Schema { get; }
    public VersionVector Version { get; } = new();
    public OpLog Ops { get; } = new();
    /// <summary>The ops that deleted the document (made when first reached: most documents are never deleted).</summary>
    public List<CausalRecord> Deletes => _deletes ??= [];

    /// <summary>
    /// False while <see cref="Deletes"/> was never reached, so it is empty: read on every edit instead of the
    /// list's count, one object fewer to reach on a cold document. Safe however the list is filled.
    /// </summary>
    public bool MayBeDeleted => _deletes is not null;

    private List<CausalRecord>? _deletes;
    public Dictionary<string, Register> Fields { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Dictionary<string, ElementState>> Sets { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ResolutionState> Resolutions { get; } = new(StringComparer.Ordinal);
    public Hlc MaxHlc { get; private set; }

    /// <summary>The encoded state's size when last measured, and an upper estimate of what ops added since.
    /// See <see cref="DocumentSet.CheckStateCap"/>.</summary>
    public long MeasuredBytes { get; set; }
    public long BytesSinceMeasure { get; set; }

    /// <summary>
    /// Null until the document is compacted; then, per replica, the highest sequence of this
    /// document's ops folded into a base (see Compaction/Compactor): every op it covers is already
    /// folded in, so applying one again changes nothing.
    /// </summary>
    public VersionVector? Base { get; private set; }

    /// <summary>Widens the base to cover <paramref name="covered"/> (ops already folded in or dropped as dead).</summary>
    public void ExtendBase(VersionVector covered, Hlc maxHlc)
    {
        if (covered.IsEmpty && Base is not null)
        {
            return;
        }
        var widened = Base?.Clone() ?? new VersionVector();
        widened.Merge(covered);
        Base = widened.Freeze();
        Version.Merge(covered);
        // The version may have grown by other replicas' ops: a cached edit context is stale.
        _foreignChanges++;
        Touch(maxHlc);
    }

    /// <summary>Bumped on every change; read models and flags are cached against it.</summary>
    public int Revision { get; private set; }

    internal DerivedCache? Cache { get; set; }

    public void Apply(Op op) => Apply(op, ValueRules.EstimateAddedBytes(op));

    /// <summary>Folds <paramref name="op"/> in; <paramref name="estimatedBytes"/> is its <see cref="ValueRules.EstimateAddedBytes(Op)"/>.</summary>
    public void Apply(Op op, long estimatedBytes)
    {
        BytesSinceMeasure += estimatedBytes;
        var causal = new CausalRecord(op.Dot, op.Context, op.Author);
        var kind = OpKind.Resolve;
        var mutations = op.Mutations;
        for (int i = 0, count = mutations.Count; i < count; i++)
        {
            // A field set (most ops' only mutation) is folded in here; the other kinds in ApplyOther, whose
            // struct temporaries would otherwise widen this frame (zeroed on every call).
            if (mutations[i] is SetField set)
            {
                kind = kind == OpKind.Delete ? kind : OpKind.Edit;
                SetField(set.Field, new Write(causal, op.Hlc, i, set.Value));
            }
            else
            {
                kind = ApplyOther(mutations[i], causal, op.Hlc, i, kind);
            }
        }
        AddOp(new OpRecord(causal, kind), op.Hlc);
    }

    /// <summary>Folds in mutation <paramref name="index"/> of an op, any kind but a field set; returns the op's kind so far.</summary>
    private OpKind ApplyOther(Mutation mutation, in CausalRecord causal, Hlc hlc, int index, OpKind kind)
    {
        switch (mutation)
        {
            case AddElement add:
            {
                var element = Element(add.Field, add.ElementId);
                element.Adds.Add(causal);
                foreach (var (name, value) in new ElementValues(add.Values))
                {
                    SetRegister(element.Fields, name, new Write(causal, hlc, index, value), false);
                }
                return kind == OpKind.Delete ? kind : OpKind.Edit;
            }
            case SetElementField setElement:
                SetRegister(Element(setElement.Field, setElement.ElementId).Fields, setElement.ElementField, new Write(causal, hlc, index, setElement.Value), false);
                return kind == OpKind.Delete ? kind : OpKind.Edit;
            case RemoveElement remove:
                Element(remove.Field, remove.ElementId).Removes.Add(causal);
                return kind == OpKind.Delete ? kind : OpKind.Edit;
            case DeleteDocument:
                if (kind != OpKind.Delete)
                {
                    AddDelete(causal);
                }
                return OpKind.Delete;
            case ResolveFlag resolve:
                SetResolution(resolve.FlagId, new ResolutionState(causal, hlc, index, resolve.Resolution));
                return kind;
            default:
                return kind;
        }
    }

    public void AddOp(in OpRecord record, Hlc hlc)
    {
        Ops.Add(record);
        if (!record.Causal.Dot.Replica.Equals(_contextReplica))
        {
            _foreignChanges++;
        }
        Version.Observe(record.Causal.Dot);
        if (hlc > MaxHlc)
        {
            MaxHlc = hlc;
        }
        Revision++;
    }

    /// <summary>
    /// <see cref="AddOp"/> for every record of one snapshot op run (same replica, context, author and
    /// kind; sequences ascending), with no Hlc of its own.
    /// </summary>
    public void AddRun(ReadOnlySpan<OpRecord> run)
    {
        if (run.IsEmpty)
        {
            return;
        }
        Ops.AddRun(run);
        if (!run[0].Causal.Dot.Replica.Equals(_contextReplica))
        {
            _foreignChanges += run.Length;
        }
        Version.Observe(run[^1].Causal.Dot);
        Revision += run.Length;
    }

    public void AddDelete(in CausalRecord record) => Deletes.Add(record);

    private VersionVector? _context;
    private ReplicaId _contextReplica;
    private int _contextStamp;
    private int _foreignChanges;

    /// <summary>
    /// The causal context for a new edit by <paramref name="replica"/>: this document's version
    /// vector without the replica's own entry (frozen). Reused while only that replica's own ops
    /// arrive, which keeps a device's edit path free of vector copies.
    /// </summary>
    public VersionVector ContextFor(ReplicaId replica)
    {
        if (_context is not null && _contextReplica.Equals(replica) && _contextStamp == _foreignChanges)
        {
            return _context;
        }
        _context = Version.CloneWithout(replica).Freeze();
        _contextReplica = replica;
        _contextStamp = _foreignChanges;
        return _context;
    }

    // Most collections have no review-on-conflict field: skip the set lookup then (it is on every set's path).
    public bool KeepsHistory(string field) => _keepsAnyHistory && Schema!.HistoryFields.Contains(field);

    /// <summary>Folds <paramref name="write"/> into top-level field <paramref name="field"/>'s register.</summary>
    public void SetField(string field, in Write write)
    {
        var slot = _registerSlots is null ? -1 : Schema!.RegisterSlotOf(field);
        if (slot < 0)
        {
            SetRegister(Fields, field, write, KeepsHistory(field));
            return;
        }
        var register = _registerSlots![slot];
        if (register is null)
        {
            if (!Fields.TryGetValue(field, out register))
            {
                register = new Register();
                Fields.Add(field, register);
            }
            _registerSlots[slot] = register;
        }
        register.Apply(write, KeepsHistory(field));
    }

    public static void SetRegister(Dictionary<string, Register> registers, string field, in Write write, bool keepHistory)
    {
        if (!registers.TryGetValue(field, out var register))
        {
            register = new Register();
            registers.Add(field, register);
        }
        register.Apply(write, keepHistory);
    }

    public void SetResolution(string flagId, in ResolutionState resolution)
    {
        if (!Resolutions.TryGetValue(flagId, out var current) || resolution.CompareTo(current) > 0)
        {
            Resolutions[flagId] = resolution;
        }
    }

    public ElementState Element(string set, string id)
    {
        if (!Sets.TryGetValue(set, out var elements))
        {
            elements = new Dictionary<string, ElementState>(StringComparer.Ordinal);
            Sets.Add(set, elements);
        }
        if (!elements.TryGetValue(id, out var element))
        {
            element = new ElementState(set, id);
            elements.Add(id, element);
        }
        return element;
    }

    public void Touch(Hlc hlc)
    {
        if (hlc > MaxHlc)
        {
            MaxHlc = hlc;
        }
        Revision++;
    }
}

/// <summary>Flags and read model of a document, valid for one revision.</summary>
internal sealed class DerivedCache(int revision, IReadOnlyList<Flag> flags, DocumentView view)
{
    public int Revision { get; } = revision;
    public IReadOnlyList<Flag> Flags { get; } = flags;
    public DocumentView View { get; } = view;
}
