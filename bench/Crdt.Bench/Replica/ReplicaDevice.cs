using Crdt.Bench.Memory;
using Crdt.Bench.Workloads;
using Crdt.Core;
using Crdt.Replica;

namespace Crdt.Bench.Replica;

/// <summary>
/// One device of the replica target: a <see cref="Crdt.Replica.DeviceReplica"/> on its own SQLite file,
/// speaking the workloads' language (docs by index, generated ops). Every edit is saved on its
/// own and is durable when the call returns; exchanges use the replica's own push messages and
/// its pull ingestion path.
/// </summary>
internal sealed class ReplicaDevice : IAsyncDisposable
{
    private readonly Crdt.Replica.DeviceReplica _replica;

    private ReplicaDevice(Crdt.Replica.DeviceReplica replica) => _replica = replica;

    public string Path => _replica.Path;

    public static async Task<ReplicaDevice> OpenAsync(string path, ReplicaDurability durability) =>
        new(await Crdt.Replica.DeviceReplica.OpenAsync(path, new ReplicaOptions { Schemas = BenchCollection.Registry(), Durability = durability }));

    /// <summary>Creates doc <paramref name="doc"/> with its 10 fields in one durable edit.</summary>
    public async Task CreateAsync(int doc, string[] fieldValues)
    {
        var create = _replica.Create(BenchCollection.Name, BenchCollection.Key(doc).Id);
        for (int field = 0; field < fieldValues.Length; field++)
            create.Set(WorkloadSchema.Fields[field], FieldValue.String(fieldValues[field]));
        await create.SaveAsync();
    }

    /// <summary>One user edit, its own durable transaction.</summary>
    public async Task ApplyAsync(WorkloadOp op)
    {
        var edit = _replica.Edit(BenchCollection.Name, BenchCollection.Key(op.Doc).Id);
        switch (op)
        {
            case SetFieldOp set: edit.Set(set.FieldName, FieldValue.String(set.Value)); break;
            case AddEntryOp add:
                edit.Add(add.Entry.Collection, add.Entry.Id, BenchCollection.ElementValues(add.Entry).Select(v => (v.Key, v.Value)).ToArray());
                break;
            default: throw new ArgumentException($"unknown workload op {op.GetType().Name}", nameof(op));
        }
        await edit.SaveAsync();
    }

    /// <summary>Applies the ops one edit each and returns the elapsed milliseconds.</summary>
    public async Task<double> TimeEditsAsync(IReadOnlyList<WorkloadOp> ops)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var op in ops) await ApplyAsync(op);
        return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>What this device's sync engine would send: its outbox as push messages' bytes.</summary>
    public IReadOnlyList<byte[]> OutboxMessages() => _replica.OutboxPushMessages();

    /// <summary>Takes in another device's push messages through the pull ingestion path, each durably.</summary>
    public async Task IngestAsync(IReadOnlyList<byte[]> messages)
    {
        foreach (var message in messages) await _replica.ApplyPushMessageAsync(message);
    }

    /// <summary>Loads every doc of the collection from the file (one query), as an app listing them does.</summary>
    public IReadOnlyList<DocumentView> LoadAll(int docs)
    {
        var views = _replica.Query(BenchCollection.Name);
        if (views.Count != docs) throw new InvalidOperationException($"the replica holds {views.Count} docs, expected {docs}");
        return views;
    }

    /// <summary>Each doc as the store shows it (for checks, outside the timers).</summary>
    public IReadOnlyList<DocState> States(int docs) =>
        Enumerable.Range(0, docs).Select(doc => BenchCollection.StateOf(View(doc))).ToList();

    /// <summary>Each doc's version vector (for the equality check).</summary>
    public IReadOnlyList<VersionVector> Versions(int docs) =>
        Enumerable.Range(0, docs).Select(doc => View(doc).Version).ToList();

    private DocumentView View(int doc) =>
        _replica.Get(BenchCollection.Key(doc)) ?? throw new InvalidOperationException($"{BenchCollection.Key(doc)} is missing from the replica");

    public ValueTask DisposeAsync() => _replica.DisposeAsync();
}
