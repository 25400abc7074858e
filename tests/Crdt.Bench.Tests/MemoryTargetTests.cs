using System.Text.Json;
using Crdt.Bench.Memory;
using Crdt.Bench.Workloads;

namespace Crdt.Bench.Tests;

/// <summary>
/// Guards against the benchmark silently measuring a wrong store: the memory target's W1 and
/// W2 states must equal a plain replay of the same ops into dictionaries, and W3 must converge
/// with every concurrent add present.
/// </summary>
public sealed class MemoryTargetTests
{
    private static readonly WorkloadInputs Inputs = new(new WorkloadScale(0.02));

    [Fact]
    public void Memory_target_reaches_the_plain_replay_states_and_converges()
    {
        using var target = new MemoryTarget();
        var figures = target.RunOnce(Inputs);

        var plain = PlainReplay.OfW1(Inputs.W1);
        Assert.Equal(plain.Digest(), figures.W1!.Digest);
        plain.Apply(Inputs.W2);
        Assert.Equal(plain.Digest(), figures.W2!.Digest);
        Assert.True(figures.W2.Equal, "after W2's exchange B differs from A");
        Assert.True(figures.W3!.Converged, "after W3's exchange A and B differ");
        Assert.True(figures.W3.AddsAllPresent, "a concurrent W3 add is missing");
        Assert.True(figures.W2.UpdateBytes > 0 && figures.W3.ExchangeBytes > 0 && figures.W4!.Bytes > 0);
    }

    [Fact]
    public void Each_doc_after_W1_and_W2_renders_exactly_as_the_plain_replay()
    {
        int docs = Inputs.Scale.Docs;
        var plain = PlainReplay.OfW1(Inputs.W1);
        var origin = new CoreReplica("test-origin");
        for (int doc = 0; doc < docs; doc++) origin.Create(doc, Inputs.W1.Initial[doc]);
        foreach (var edit in Inputs.W1.Edits) origin.Apply(edit);
        AssertSameDocs(plain.States(), origin.States(docs));

        // W2 as the sync protocol does it: A edits, B merges the delta for its version vectors.
        var snapshots = origin.EncodeAll(docs);
        var a = CoreReplica.Load("test-a", snapshots);
        var b = CoreReplica.Load("test-b", snapshots);
        foreach (var op in Inputs.W2) a.Apply(op);
        b.MergeAll(a.DeltasFor(b.Versions(docs)));
        plain.Apply(Inputs.W2);
        AssertSameDocs(plain.States(), b.States(docs));
        Assert.Equal(a.Versions(docs), b.Versions(docs));
    }

    [Fact]
    public void Core_canonical_json_agrees_with_the_benchmark_rendering()
    {
        // Crdt.Core renders canonical JSON itself; both renderings must agree, or one of them
        // (and with it a digest) is wrong.
        var origin = new CoreReplica("test-json");
        for (int doc = 0; doc < Inputs.Scale.Docs; doc++) origin.Create(doc, Inputs.W1.Initial[doc]);
        foreach (var op in Inputs.W2) origin.Apply(op);
        for (int doc = 0; doc < Inputs.Scale.Docs; doc++)
        {
            var view = origin.Documents.View(BenchCollection.Key(doc));
            Assert.Equal(BenchCollection.StateOf(view).CanonicalJsonText(), view.ToJson());
        }
    }

    [Fact]
    public void Workloads_command_writes_the_spec_keys_and_fails_on_nothing_at_small_scale()
    {
        var json = new FileInfo(Path.Combine(Path.GetTempPath(), $"crdt-bench-{Guid.NewGuid():N}.json"));
        try
        {
            var output = new StringWriter();
            int exit = WorkloadCommand.Run(new WorkloadOptions(0.01, 1, WorkloadTarget.Memory, json), output);
            Assert.Equal(0, exit);

            using var doc = JsonDocument.Parse(File.ReadAllText(json.FullName));
            var root = doc.RootElement;
            string[][] keys =
            [
                ["W1", "createMs", "editMs", "editOpsPerSec", "encodedBytes", "digest"],
                ["W2", "editMs", "encodeMs", "updateBytes", "applyMs", "applyOpsPerSec", "equal", "digest"],
                ["W3", "editMs", "encodeMs", "mergeMs", "exchangeBytes", "converged", "addsAllPresent"],
                ["W4", "loadMs", "readMs", "totalMs", "bytes"],
            ];
            foreach (var workload in keys)
            {
                foreach (var key in workload[1..]) Assert.True(root.GetProperty(workload[0]).TryGetProperty(key, out _), $"{workload[0]}.{key} missing");
            }
            Assert.Equal(root.GetProperty("expectedDigests").GetProperty("W1").GetString(), root.GetProperty("W1").GetProperty("digest").GetString());
            Assert.Equal(Environment.ProcessorCount, root.GetProperty("machine").GetProperty("nproc").GetInt32());
            Assert.StartsWith("CrdtFieldStore ", root.GetProperty("library").GetString());
            Assert.Contains("W2 digest", output.ToString());
        }
        finally
        {
            json.Delete();
        }
    }

    private static void AssertSameDocs(IReadOnlyList<DocState> expected, IReadOnlyList<DocState> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int doc = 0; doc < expected.Count; doc++) Assert.Equal(expected[doc].CanonicalJsonText(), actual[doc].CanonicalJsonText());
    }
}
