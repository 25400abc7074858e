using Crdt.Bench.Workloads;
using Crdt.Core;

namespace Crdt.Bench.Memory;

/// <summary>
/// One replica in memory: a <see cref="DocumentSet"/> and the <see cref="LocalEditor"/> that makes
/// its user edits, speaking the workloads' language (docs by index, generated ops).
/// </summary>
public sealed class CoreReplica
{
    private readonly string Author;
    private readonly LocalEditor _editor;

    /// <param name="replicaId">The replica's id.</param>
    /// <param name="author">Who makes its edits: through a relay, the device's registered name (the relay refuses any other).</param>
    public CoreReplica(string replicaId, string author = "bench")
    {
        Author = author;
        Documents = new DocumentSet(BenchCollection.Registry());
        _editor = new LocalEditor(new ReplicaId(replicaId), Documents);
    }

    public DocumentSet Documents { get; }

    /// <summary>A replica holding the docs of <paramref name="snapshots"/> (one encoded snapshot per doc).</summary>
    public static CoreReplica Load(string replicaId, IReadOnlyList<byte[]> snapshots)
    {
        var replica = new CoreReplica(replicaId);
        replica.MergeAll(snapshots);
        return replica;
    }

    // Wall time is read per edit, as a device does; Crdt.Core itself reads no clock.
    private static long WallMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Creates doc <paramref name="doc"/> with its 10 fields in one edit.</summary>
    public Op Create(int doc, string[] fieldValues) =>
        _editor.Create(BenchCollection.Key(doc), Author, WallMs, edit =>
        {
            for (int i = 0; i < fieldValues.Length; i++) edit.Set(WorkloadSchema.Fields[i], FieldValue.String(fieldValues[i]));
        });

    /// <summary>
    /// One user edit: a field set or a record add, its own op, made with ready mutations as the device
    /// replica makes its edits (DeviceReplica passes mutation lists; the builder overload costs a closure
    /// and a builder per edit on top).
    /// </summary>
    public Op Apply(WorkloadOp op) => op switch
    {
        SetFieldOp set => _editor.Edit(BenchCollection.Key(set.Doc), Author, WallMs,
            [new SetField(set.FieldName, FieldValue.String(set.Value))]),
        AddEntryOp add => _editor.Edit(BenchCollection.Key(add.Doc), Author, WallMs,
            [new AddElement(add.Entry.Collection, add.Entry.Id, BenchCollection.ElementValues(add.Entry))]),
        _ => throw new ArgumentException($"unknown workload op {op.GetType().Name}", nameof(op)),
    };

    /// <summary>Applies an op another replica made (as received from the relay); false when already held.</summary>
    public bool ApplyRemote(Op op) => _editor.ApplyRemote(op, WallMs);

    /// <summary>Every doc's full state as snapshot bytes (to persist or ship).</summary>
    public byte[][] EncodeAll(int docs)
    {
        var encoded = new byte[docs][];
        for (int doc = 0; doc < docs; doc++) encoded[doc] = Documents.EncodeSnapshot(BenchCollection.Key(doc));
        return encoded;
    }

    /// <summary>This replica's version vector of each doc: what it tells a peer it already has.</summary>
    public VersionVector[] Versions(int docs)
    {
        var versions = new VersionVector[docs];
        for (int doc = 0; doc < docs; doc++) versions[doc] = Documents.VersionOf(BenchCollection.Key(doc));
        return versions;
    }

    /// <summary>For each doc, what a peer with version vector <paramref name="peerHas"/>[doc] is missing.</summary>
    public byte[][] DeltasFor(VersionVector[] peerHas)
    {
        var deltas = new byte[peerHas.Length][];
        for (int doc = 0; doc < peerHas.Length; doc++) deltas[doc] = Documents.EncodeDelta(BenchCollection.Key(doc), peerHas[doc]);
        return deltas;
    }

    /// <summary>Merges snapshots or deltas.</summary>
    public void MergeAll(IReadOnlyList<byte[]> encoded)
    {
        foreach (var bytes in encoded) Documents.MergeSnapshot(bytes);
    }

    /// <summary>Reads every scalar and every field of every record once; returns how many values were read.</summary>
    public long ReadEverything(int docs) =>
        BenchCollection.ReadEverything(Enumerable.Range(0, docs).Select(doc => Documents.View(BenchCollection.Key(doc))));

    /// <summary>
    /// W1's origin replica with every doc created (untimed set-up for tools that measure a later phase);
    /// with <paramref name="withSets"/> also W1's sets applied.
    /// </summary>
    public static CoreReplica W1Origin(WorkloadInputs inputs, bool withSets)
    {
        var origin = new CoreReplica("bench-origin");
        for (int doc = 0; doc < inputs.W1.Docs; doc++) origin.Create(doc, inputs.W1.Initial[doc]);
        if (withSets)
        {
            foreach (var edit in inputs.W1.Edits) origin.Apply(edit);
        }
        return origin;
    }

    /// <summary>Each doc as the store shows it (for checks, outside the timers).</summary>
    public IReadOnlyList<DocState> States(int docs) =>
        Enumerable.Range(0, docs).Select(doc => BenchCollection.StateOf(Documents.View(BenchCollection.Key(doc)))).ToList();
}
