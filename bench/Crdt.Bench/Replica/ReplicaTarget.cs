using Crdt.Bench.Memory;
using Crdt.Bench.Workloads;
using Crdt.Replica;

namespace Crdt.Bench.Replica;

/// <summary>
/// W1–W4 through Crdt.Replica on SQLite files, one file per device. Every user edit is saved on
/// its own and is durable (synchronous=FULL by default) before the next starts, as a
/// technician's device does.
/// <para>
/// Devices exchange ops the way two devices sync, without the network: the sender's encode is
/// what its sync engine would push (its outbox, batched into push messages, the bytes counted),
/// and the receiver takes each message in through the replica's pull ingestion path (decoded at
/// the trust boundary, applied, persisted with the touched documents in one durable transaction
/// per message). What is not on the path: gRPC, the relay storing and re-serving the ops, and
/// acknowledgements (the sender's outbox stays full); the relay target measures those.
/// </para>
/// <para>
/// W1 runs on an origin device. A and B (distinct replica ids) start from W1's state by taking in
/// the origin's outbox, untimed, as devices that pulled it would. W2: A edits offline, B takes in
/// A's outbox. W3: copies of those A and B files each edit, then exchange both ways. W4 reopens
/// B's file after W2, loads every doc (one query) and reads everything.
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
        string run = Path.Combine(_folder, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(run);
        var files = new DeviceFiles(run);
        try
        {
            var w1 = await RunW1Async(inputs, files.Origin);
            await SeedFromOriginAsync(files);
            var w2 = await RunW2Async(inputs, files.A2, files.B2);
            var w3 = await RunW3Async(inputs, files.A3, files.B3);
            var w4 = await RunW4Async(inputs, files.B2);
            return new WorkloadFigures(w1, w2, w3, w4);
        }
        finally
        {
            TryDelete(run);
        }
    }

    private async Task<W1Figures> RunW1Async(WorkloadInputs inputs, string path)
    {
        int docs = inputs.Scale.Docs;
        W1Figures w1;
        await using (var origin = await ReplicaDevice.OpenAsync(path, _durability))
        {
            Timing.Settle();
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            for (int doc = 0; doc < docs; doc++) await origin.CreateAsync(doc, inputs.W1.Initial[doc]);
            double createMs = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            Timing.Settle();
            double editMs = await origin.TimeEditsAsync(inputs.W1.Edits);
            w1 = new W1Figures(createMs, editMs, inputs.W1.Edits.Length / (editMs / 1000), 0, DocState.Digest(origin.States(docs)));
        }
        // What a replica persists is its database file: measured once closed (WAL checkpointed).
        return w1 with { EncodedBytes = DatabaseBytes(path) };
    }

    /// <summary>
    /// A and B start from W1's state: each takes in the origin's outbox (untimed) and gets its own
    /// replica id; W3's devices are copies of these files, so every workload starts alike.
    /// </summary>
    private async Task SeedFromOriginAsync(DeviceFiles files)
    {
        IReadOnlyList<byte[]> w1Messages;
        await using (var origin = await ReplicaDevice.OpenAsync(files.Origin, _durability))
        {
            w1Messages = origin.OutboxMessages();
        }
        foreach (var (path, copy) in new[] { (files.A2, files.A3), (files.B2, files.B3) })
        {
            await using (var device = await ReplicaDevice.OpenAsync(path, _durability))
            {
                await device.IngestAsync(w1Messages);
            }
            // The key file goes with the copy: the replica key in the file is protected with it.
            foreach (var suffix in new[] { "", "-wal", ".key" })
            {
                if (File.Exists(path + suffix)) File.Copy(path + suffix, copy + suffix);
            }
        }
    }

    private async Task<W2Figures> RunW2Async(WorkloadInputs inputs, string pathA, string pathB)
    {
        int docs = inputs.Scale.Docs;
        await using var a = await ReplicaDevice.OpenAsync(pathA, _durability);
        await using var b = await ReplicaDevice.OpenAsync(pathB, _durability);
        Timing.Settle();
        double editMs = await a.TimeEditsAsync(inputs.W2);

        Timing.Settle();
        var update = Timing.Ms(a.OutboxMessages, out double encodeMs);
        Timing.Settle();
        long applyStart = System.Diagnostics.Stopwatch.GetTimestamp();
        await b.IngestAsync(update);
        double applyMs = System.Diagnostics.Stopwatch.GetElapsedTime(applyStart).TotalMilliseconds;

        var statesB = b.States(docs);
        bool equal = WorkloadChecks.SameState(a.States(docs), statesB) && a.Versions(docs).SequenceEqual(b.Versions(docs));
        return new W2Figures(editMs, encodeMs, update.Sum(m => (long)m.Length), applyMs, inputs.W2.Length / (applyMs / 1000),
            equal, DocState.Digest(statesB));
    }

    private async Task<W3Figures> RunW3Async(WorkloadInputs inputs, string pathA, string pathB)
    {
        int docs = inputs.Scale.Docs;
        await using var a = await ReplicaDevice.OpenAsync(pathA, _durability);
        await using var b = await ReplicaDevice.OpenAsync(pathB, _durability);
        Timing.Settle();
        double editMs = await a.TimeEditsAsync(inputs.W3.ReplicaA) + await b.TimeEditsAsync(inputs.W3.ReplicaB);

        Timing.Settle();
        var toB = Timing.Ms(a.OutboxMessages, out double encodeToB);
        var toA = Timing.Ms(b.OutboxMessages, out double encodeToA);
        Timing.Settle();
        long mergeStart = System.Diagnostics.Stopwatch.GetTimestamp();
        await b.IngestAsync(toB);
        await a.IngestAsync(toA);
        double mergeMs = System.Diagnostics.Stopwatch.GetElapsedTime(mergeStart).TotalMilliseconds;

        var statesA = a.States(docs);
        var statesB = b.States(docs);
        return new W3Figures(editMs, encodeToB + encodeToA, mergeMs,
            toB.Sum(m => (long)m.Length) + toA.Sum(m => (long)m.Length),
            WorkloadChecks.SameState(statesA, statesB) && a.Versions(docs).SequenceEqual(b.Versions(docs)),
            WorkloadChecks.AddsAllPresent(inputs.W3, statesA, statesB));
    }

    /// <summary>
    /// W4: a cold open of B's file (the state after W2) and loading every doc from it (timed: load),
    /// then one read of everything (timed: read).
    /// </summary>
    private async Task<W4Figures> RunW4Async(WorkloadInputs inputs, string path)
    {
        Timing.Settle();
        long loadStart = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var reopened = await ReplicaDevice.OpenAsync(path, _durability);
        var views = reopened.LoadAll(inputs.Scale.Docs);
        double loadMs = System.Diagnostics.Stopwatch.GetElapsedTime(loadStart).TotalMilliseconds;
        long values = Timing.Ms(() => BenchCollection.ReadEverything(views), out double readMs);
        if (values == 0) throw new InvalidOperationException("W4 read no values from the reopened replica");
        return new W4Figures(loadMs, readMs, loadMs + readMs, DatabaseBytes(path));
    }

    // The database as persisted: the file plus any WAL not yet checkpointed.
    private static long DatabaseBytes(string path) =>
        new[] { path, path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public void Dispose() => TryDelete(_folder);

    /// <summary>The files of one repetition: the origin of W1, W2's A and B, W3's A and B.</summary>
    private sealed record DeviceFiles(string Folder)
    {
        public string Origin => Path.Combine(Folder, "origin.db");
        public string A2 => Path.Combine(Folder, "w2-a.db");
        public string B2 => Path.Combine(Folder, "w2-b.db");
        public string A3 => Path.Combine(Folder, "w3-a.db");
        public string B3 => Path.Combine(Folder, "w3-b.db");
    }
}
