using Crdt.Bench.Memory;
using Crdt.Bench.Workloads;
using Crdt.Core;
using Crdt.Replica;

namespace Crdt.Bench.Replica;

/// <summary>
/// W1, W2's offline edits and W4 through Crdt.Replica on SQLite files: every edit is saved on
/// its own and durable (synchronous=FULL) before the next starts, as a technician's device does.
/// W4 opens the replica file afresh and reads every doc.
/// <para>
/// W2's exchange and W3 need two replicas to sync through a relay; the relay target
/// (<see cref="Crdt.Bench.RelayTarget.RelayWorkloadTarget"/>) measures them on Crdt.Core replicas,
/// and this target leaves them out rather than measuring something else.
/// </para>
/// </summary>
public sealed class ReplicaTarget : IWorkloadTarget
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"crdt-bench-replica-{Guid.NewGuid():N}");
    private readonly ReplicaDurability _durability;

    public ReplicaTarget(ReplicaDurability durability = ReplicaDurability.Full)
    {
        _durability = durability;
        Directory.CreateDirectory(_folder);
    }

    public string Library => $"CrdtFieldStore {CoreVersion.Text} (replica, SQLite, durability {_durability})";

    public WorkloadFigures RunOnce(WorkloadInputs inputs) => RunOnceAsync(inputs).GetAwaiter().GetResult();

    private async Task<WorkloadFigures> RunOnceAsync(WorkloadInputs inputs)
    {
        int docs = inputs.Scale.Docs;
        string path = Path.Combine(_folder, $"a-{Guid.NewGuid():N}.db");
        W1Figures w1;
        await using (var a = await OpenAsync(path))
        {
            Timing.Settle();
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            for (int doc = 0; doc < docs; doc++)
            {
                var create = a.Create(BenchCollection.Name, BenchCollection.Key(doc).Id);
                for (int field = 0; field < WorkloadSchema.Fields.Length; field++)
                    create.Set(WorkloadSchema.Fields[field], FieldValue.String(inputs.W1.Initial[doc][field]));
                await create.SaveAsync();
            }
            double createMs = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            Timing.Settle();
            double editMs = await TimeEditsAsync(a, inputs.W1.Edits);
            w1 = new W1Figures(createMs, editMs, inputs.W1.Edits.Length / (editMs / 1000), 0, DocState.Digest(States(a, docs)));
        }
        // What a replica persists is its database file: measured once closed (WAL checkpointed).
        w1 = w1 with { EncodedBytes = DatabaseBytes(path) };

        W2Figures w2;
        await using (var a = await OpenAsync(path))
        {
            Timing.Settle();
            double w2EditMs = await TimeEditsAsync(a, inputs.W2);
            w2 = new W2Figures(w2EditMs, null, null, null, null, null, DocState.Digest(States(a, docs)));
        }

        // W4: a cold open of the file (the state after W2) and one read of everything.
        Timing.Settle();
        long openStart = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var reopened = await OpenAsync(path);
        double openMs = System.Diagnostics.Stopwatch.GetElapsedTime(openStart).TotalMilliseconds;
        long readStart = System.Diagnostics.Stopwatch.GetTimestamp();
        long values = ReadEverything(reopened, docs);
        double readMs = System.Diagnostics.Stopwatch.GetElapsedTime(readStart).TotalMilliseconds;
        if (values == 0) throw new InvalidOperationException("W4 read no values from the reopened replica");
        var w4 = new W4Figures(openMs, readMs, openMs + readMs, DatabaseBytes(path));
        return new WorkloadFigures(w1, w2, null, w4);
    }

    private Task<Crdt.Replica.Replica> OpenAsync(string path) =>
        Crdt.Replica.Replica.OpenAsync(path, new ReplicaOptions { Schemas = BenchCollection.Registry(), Durability = _durability });

    private static async Task<double> TimeEditsAsync(Crdt.Replica.Replica replica, IReadOnlyList<WorkloadOp> ops)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var op in ops)
        {
            var edit = replica.Edit(BenchCollection.Name, BenchCollection.Key(op.Doc).Id);
            switch (op)
            {
                case SetFieldOp set: edit.Set(set.FieldName, FieldValue.String(set.Value)); break;
                case AddEntryOp add:
                    edit.Add(add.Entry.Collection, add.Entry.Id, BenchCollection.ElementValues(add.Entry).Select(v => (v.Key, v.Value)).ToArray());
                    break;
                default: throw new ArgumentException($"unknown workload op {op.GetType().Name}", nameof(ops));
            }
            await edit.SaveAsync();
        }
        return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static long ReadEverything(Crdt.Replica.Replica replica, int docs)
    {
        long values = 0;
        for (int doc = 0; doc < docs; doc++)
        {
            var view = replica.Get(BenchCollection.Key(doc)) ?? throw new InvalidOperationException($"{BenchCollection.Key(doc)} is missing from the replica");
            foreach (var field in WorkloadSchema.Fields)
            {
                if (view[field] is { } value && value.AsString().Length > 0) values++;
            }
            foreach (var collection in WorkloadSchema.Collections)
            {
                foreach (var element in view.Elements(collection))
                {
                    foreach (var value in element.Fields.Values)
                    {
                        if (!value.IsNull) values++;
                    }
                }
            }
        }
        return values;
    }

    private static IReadOnlyList<DocState> States(Crdt.Replica.Replica replica, int docs) =>
        Enumerable.Range(0, docs).Select(doc => BenchCollection.StateOf(replica.Get(BenchCollection.Key(doc))!)).ToList();

    // The database as persisted: the file plus any WAL not yet checkpointed.
    private static long DatabaseBytes(string path) =>
        new[] { path, path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
