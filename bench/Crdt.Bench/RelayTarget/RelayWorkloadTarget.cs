using System.Diagnostics;
using Crdt.Bench.Memory;
using Crdt.Bench.Workloads;
using Crdt.Core;

namespace Crdt.Bench.RelayTarget;

/// <summary>
/// W2 and W3 through a real relay on loopback (in-process <see cref="Crdt.Relay.RelayHost"/>, SQLite,
/// h2c on 127.0.0.1). Each workload gets a fresh relay; A seeds the docs (one create per doc with
/// W1's final fields, untimed), B pulls them. Then, timed: A's offline ops are pushed in batches
/// (<c>encodeMs</c>: encode + Push until stored), B pulls and applies them (<c>applyMs</c>).
/// <c>updateBytes</c> / <c>exchangeBytes</c> are protobuf message bytes, requests plus responses,
/// without HTTP/2 or gRPC framing. W1 and W4 are the memory and replica targets' job.
/// </summary>
public sealed class RelayWorkloadTarget : IWorkloadTarget
{
    public string Library => $"CrdtFieldStore {CoreVersion.Text} (relay, loopback h2c, SQLite)";

    public WorkloadFigures RunOnce(WorkloadInputs inputs) => RunOnceAsync(inputs).GetAwaiter().GetResult();

    private static async Task<WorkloadFigures> RunOnceAsync(WorkloadInputs inputs)
    {
        var w2 = await RunW2Async(inputs);
        var w3 = await RunW3Async(inputs);
        return new WorkloadFigures(null, w2, w3, null);
    }

    /// <summary>A fresh relay where A created every doc with W1's final fields and B pulled them.</summary>
    private static async Task<(RelaySession, RelaySession.RelayDevice, CoreReplica, RelaySession.RelayDevice, CoreReplica)> SeedAsync(WorkloadInputs inputs)
    {
        var session = await RelaySession.StartAsync();
        var deviceA = await session.DeviceAsync("bench-a");
        var deviceB = await session.DeviceAsync("bench-b");
        var a = new CoreReplica("bench-a", author: "bench-a");
        var b = new CoreReplica("bench-b", author: "bench-b");
        var creates = new List<Op>(inputs.Scale.Docs);
        for (int doc = 0; doc < inputs.Scale.Docs; doc++)
        {
            var fields = WorkloadSchema.Fields.Select(f => (string)inputs.W1Reference[doc].Fields[f]).ToArray();
            creates.Add(a.Create(doc, fields));
        }
        await deviceA.PushAsync(creates);
        await deviceA.PullIntoAsync(a);   // A's cursor past its own creates
        await deviceB.PullIntoAsync(b);
        session.MessageBytes = 0;
        return (session, deviceA, a, deviceB, b);
    }

    private static async Task<W2Figures> RunW2Async(WorkloadInputs inputs)
    {
        int docs = inputs.Scale.Docs;
        var (session, deviceA, a, deviceB, b) = await SeedAsync(inputs);
        await using var _ = session;
        Timing.Settle();
        var ops = new List<Op>(inputs.W2.Length);
        double editMs = Timing.Ms(() =>
        {
            foreach (var op in inputs.W2) ops.Add(a.Apply(op));
        });
        Timing.Settle();
        long start = Stopwatch.GetTimestamp();
        long stored = await deviceA.PushAsync(ops);
        double pushMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        start = Stopwatch.GetTimestamp();
        await deviceB.PullIntoAsync(b);
        double applyMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (stored != ops.Count) throw new InvalidOperationException($"the relay stored {stored} of A's {ops.Count} W2 ops");

        var statesA = a.States(docs);
        var statesB = b.States(docs);
        bool equal = WorkloadChecks.SameState(statesA, statesB) && a.Versions(docs).SequenceEqual(b.Versions(docs));
        return new W2Figures(editMs, pushMs, session.MessageBytes, applyMs, ops.Count / (applyMs / 1000), equal, DocState.Digest(statesB));
    }

    private static async Task<W3Figures> RunW3Async(WorkloadInputs inputs)
    {
        int docs = inputs.Scale.Docs;
        var (session, deviceA, a, deviceB, b) = await SeedAsync(inputs);
        await using var _ = session;
        Timing.Settle();
        var opsA = new List<Op>();
        var opsB = new List<Op>();
        double editMs = Timing.Ms(() =>
        {
            foreach (var op in inputs.W3.ReplicaA) opsA.Add(a.Apply(op));
        }) + Timing.Ms(() =>
        {
            foreach (var op in inputs.W3.ReplicaB) opsB.Add(b.Apply(op));
        });
        Timing.Settle();
        long start = Stopwatch.GetTimestamp();
        long stored = await deviceA.PushAsync(opsA) + await deviceB.PushAsync(opsB);
        double pushMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        start = Stopwatch.GetTimestamp();
        await deviceB.PullIntoAsync(b);
        await deviceA.PullIntoAsync(a);
        double mergeMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (stored != opsA.Count + opsB.Count) throw new InvalidOperationException($"the relay stored {stored} of {opsA.Count + opsB.Count} W3 ops");

        var statesA = a.States(docs);
        var statesB = b.States(docs);
        return new W3Figures(editMs, pushMs, mergeMs, session.MessageBytes,
            WorkloadChecks.SameState(statesA, statesB), WorkloadChecks.AddsAllPresent(inputs.W3, statesA, statesB));
    }

    public void Dispose()
    {
    }
}
