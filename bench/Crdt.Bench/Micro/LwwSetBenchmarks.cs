using BenchmarkDotNet.Attributes;
using Crdt.Core;

namespace Crdt.Bench.Micro;

/// <summary>
/// Local LWW sets applied in memory: 1,000 documents × 10 fields, one set per edit (validated,
/// stamped, applied) as a user makes them. Reported per set (OperationsPerInvoke = 10,000):
/// sets/s = 1e9 / Mean(ns). Target: ≥ 1,000,000 sets/s on one core.
/// </summary>
[MemoryDiagnoser]
public class LwwSetBenchmarks
{
    private const int Docs = 1_000;
    private DocumentKey[] _keys = [];
    private FieldValue[] _values = [];
    private LocalEditor _editor = null!;
    private Mutation[][] _mutations = [];
    private long _wall = 1_767_000_000_000;

    [GlobalSetup]
    public void Setup()
    {
        _keys = MicroSchema.Keys(Docs);
        _values = Enumerable.Range(0, 64).Select(i => FieldValue.String("value" + i)).ToArray();
        _editor = new LocalEditor(new ReplicaId("bench-local"), new DocumentSet(MicroSchema.Registry()));
        MicroSchema.CreateAll(_editor, _keys, ref _wall);
        _mutations = MicroSchema.Fields.Select(f => _values.Select(v => (Mutation)new SetField(f, v)).ToArray()).ToArray();
    }

    /// <summary>Through the builder API, as an app writes it.</summary>
    [Benchmark(OperationsPerInvoke = Docs * 10)]
    public void LocalSet_builder()
    {
        var n = 0;
        foreach (var key in _keys)
        {
            foreach (var field in MicroSchema.Fields)
            {
                var value = _values[n++ & 63];
                _editor.Edit(key, "bench", _wall++, m => m.Set(field, value));
            }
        }
    }

    /// <summary>With ready mutation lists (the relay's document API path).</summary>
    [Benchmark(OperationsPerInvoke = Docs * 10)]
    public void LocalSet_mutations()
    {
        var n = 0;
        foreach (var key in _keys)
        {
            for (var f = 0; f < 10; f++)
            {
                _editor.Edit(key, "bench", _wall++, [_mutations[f][n++ & 63]]);
            }
        }
    }
}
