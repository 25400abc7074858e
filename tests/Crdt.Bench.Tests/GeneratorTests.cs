using System.Globalization;
using System.Text.Json;
using Crdt.Bench.Workloads;

namespace Crdt.Bench.Tests;

/// <summary>
/// Guards the workload generator: if it drifted from BENCH-WORKLOADS.md, every figure would
/// measure different ops than Yjs and Automerge run, and the digests could not be compared.
/// </summary>
public sealed class GeneratorTests
{
    // The spec's JavaScript definition, typed in from BENCH-WORKLOADS.md independently of
    // bench/peers, and run by the real node: our C# port must draw the very same doubles.
    private const string SpecMulberry32 = """
        function mulberry32(seed) {
          let a = seed >>> 0;
          return () => {
            a = (a + 0x6D2B79F5) >>> 0;
            let t = Math.imul(a ^ (a >>> 15), 1 | a);
            t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
            return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
          };
        }
        """;

    [Theory]
    [InlineData(1001u)]
    [InlineData(1002u)]
    [InlineData(1003u)]
    [InlineData(0u)]
    [InlineData(4294967295u)]
    public void Mulberry32_draws_the_same_doubles_as_the_javascript_definition(uint seed)
    {
        string output = NodeScript.Run(SpecMulberry32 + $$"""
            const next = mulberry32({{seed}});
            const xs = []; for (let i = 0; i < 1000; i++) xs.push(next());
            console.log(JSON.stringify(xs));
            """);
        double[] expected = JsonSerializer.Deserialize<double[]>(output)!;

        var rng = new Mulberry32(seed);
        double[] actual = Enumerable.Range(0, expected.Length).Select(_ => rng.Next()).ToArray();

        Assert.Equal(1000, expected.Length);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Plain_replay_at_full_scale_reproduces_the_published_digests()
    {
        var scale = new WorkloadScale(1);
        var replay = PlainReplay.OfW1(WorkloadGenerator.W1(scale));
        Assert.Equal(WorkloadInputs.PublishedW1Digest, replay.Digest());

        replay.Apply(WorkloadGenerator.W2(scale));
        Assert.Equal(WorkloadInputs.PublishedW2Digest, replay.Digest());
    }

    [Theory]
    [InlineData(1.0, 1000, 100_000, 55_000)]
    [InlineData(0.02, 20, 2_000, 1_100)]
    [InlineData(0.0001, 1, 10, 6)]
    public void Scaling_rounds_counts_and_keeps_at_least_one(double factor, int docs, int w1Edits, int w2Ops)
    {
        var scale = new WorkloadScale(factor);
        Assert.Equal(docs, scale.Docs);
        Assert.Equal(w1Edits, WorkloadGenerator.W1(scale).Edits.Length);
        Assert.Equal(w2Ops, WorkloadGenerator.W2(scale).Length);
        var w3 = WorkloadGenerator.W3(scale);
        Assert.Equal(docs * 15, w3.ReplicaA.Length);
        Assert.Equal(docs * 15, w3.ReplicaB.Length);
    }

    [Fact]
    public void W2_adds_a_time_entry_at_every_eleventh_op_with_sequential_ids()
    {
        var ops = WorkloadGenerator.W2(new WorkloadScale(0.02));
        var adds = ops.Select((op, j) => (op, j)).Where(x => x.op is AddEntryOp).ToList();
        Assert.All(adds, x => Assert.Equal(10, x.j % 11));
        Assert.Equal(
            Enumerable.Range(0, adds.Count).Select(k => $"A2-{k}"),
            adds.Select(x => ((AddEntryOp)x.op).Entry.Id));
        Assert.All(adds, x => Assert.Equal(WorkloadSchema.TimeEntries, ((AddEntryOp)x.op).Entry.Collection));
    }

    [Fact]
    public void The_peer_scripts_generate_the_same_op_streams_as_the_dotnet_generator()
    {
        // bench/peers/workloads.mjs feeds Yjs and Automerge; any drift would compare unlike work.
        string peers = Path.Combine(NodeScript.RepoRoot(), "bench", "peers");
        string output = NodeScript.Run("""
            import { scaleOf, w1, w2, w3 } from './workloads.mjs';
            const sc = scaleOf(0.02);
            const line = (op) => op.field !== undefined ? `set ${op.doc} ${op.field} ${op.value}`
              : `add ${op.doc} ${op.collection} ${op.id} ` + Object.entries(op.record).map(([k, v]) => `${k}=${v}`).join(',');
            const a = w1(sc);
            const out = [...a.initial.map((f, d) => `init ${d} ${f.join(',')}`), ...a.edits.map(line),
              ...w2(sc).map(line), ...w3(sc).a.map(line), ...w3(sc).b.map(line)];
            console.log(out.join('\n'));
            """, peers);

        var scale = new WorkloadScale(0.02);
        var w1 = WorkloadGenerator.W1(scale);
        var w3 = WorkloadGenerator.W3(scale);
        var expected = w1.Initial.Select((f, d) => $"init {d} {string.Join(',', f)}")
            .Concat(w1.Edits.Select(Line)).Concat(WorkloadGenerator.W2(scale).Select(Line))
            .Concat(w3.ReplicaA.Select(Line)).Concat(w3.ReplicaB.Select(Line));

        Assert.Equal(expected, output.TrimEnd('\n').Split('\n'));
    }

    private static string Line(WorkloadOp op) => op switch
    {
        SetFieldOp s => $"set {s.Doc} {s.FieldName} {s.Value}",
        AddEntryOp a => $"add {a.Doc} {a.Entry.Collection} {a.Entry.Id} " +
            string.Join(',', a.Entry.Values.Select(v => $"{v.Key}={Convert.ToString(v.Value, CultureInfo.InvariantCulture)}")),
        _ => throw new ArgumentException(op.GetType().Name),
    };
}
