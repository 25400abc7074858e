namespace Crdt.Bench.Workloads;

/// <summary>
/// The reference state: the same op streams replayed into ordinary dictionaries, no CRDT.
/// W1 and W2 have no concurrency, so any correct store must reach exactly this state.
/// </summary>
public sealed class PlainReplay
{
    private readonly string[][] _fields;
    private readonly Dictionary<string, Dictionary<string, EntryRecord>>[] _collections;

    private PlainReplay(int docs)
    {
        _fields = new string[docs][];
        _collections = new Dictionary<string, Dictionary<string, EntryRecord>>[docs];
        for (int doc = 0; doc < docs; doc++)
        {
            _fields[doc] = new string[WorkloadSchema.Fields.Length];
            _collections[doc] = WorkloadSchema.Collections.ToDictionary(c => c, _ => new Dictionary<string, EntryRecord>());
        }
    }

    public int Docs => _fields.Length;

    /// <summary>W1: the initial fields then every edit.</summary>
    public static PlainReplay OfW1(W1Ops w1)
    {
        var replay = new PlainReplay(w1.Docs);
        for (int doc = 0; doc < w1.Docs; doc++) Array.Copy(w1.Initial[doc], replay._fields[doc], w1.Initial[doc].Length);
        replay.Apply(w1.Edits);
        return replay;
    }

    public void Apply(IEnumerable<WorkloadOp> ops)
    {
        foreach (var op in ops)
        {
            switch (op)
            {
                case SetFieldOp set: _fields[set.Doc][set.Field] = set.Value; break;
                case AddEntryOp add: _collections[add.Doc][add.Entry.Collection][add.Entry.Id] = add.Entry; break;
                default: throw new ArgumentException($"unknown op {op.GetType().Name}", nameof(ops));
            }
        }
    }

    public string Field(int doc, int field) => _fields[doc][field];

    public IReadOnlyDictionary<string, EntryRecord> Collection(int doc, string collection) => _collections[doc][collection];

    /// <summary>The doc as a <see cref="DocState"/>, comparable with any store's.</summary>
    public DocState State(int doc)
    {
        var state = new DocState();
        for (int i = 0; i < WorkloadSchema.Fields.Length; i++) state.Fields[WorkloadSchema.Fields[i]] = _fields[doc][i];
        foreach (var (collection, entries) in _collections[doc])
        {
            foreach (var entry in entries.Values)
                state.Collections[collection][entry.Id] = entry.Values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        }
        return state;
    }

    public IReadOnlyList<DocState> States() => Enumerable.Range(0, Docs).Select(State).ToList();

    /// <summary>The doc as a canonical JSON tree.</summary>
    public object CanonicalTree(int doc) => CanonicalDocument.Build(
        WorkloadSchema.Fields.Select((name, i) => new KeyValuePair<string, object>(name, _fields[doc][i])),
        collection => _collections[doc][collection].Values.Select(e =>
            new KeyValuePair<string, IEnumerable<KeyValuePair<string, object>>>(e.Id, e.Values)));

    public string Digest() => CanonicalJson.Digest(Enumerable.Range(0, Docs).Select(CanonicalTree));
}
