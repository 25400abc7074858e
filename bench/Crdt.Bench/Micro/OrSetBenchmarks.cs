using BenchmarkDotNet.Attributes;
using Crdt.Core;

namespace Crdt.Bench.Micro;

/// <summary>OR-set element add and remove through the editor (validated, stamped, applied), one op each; reported per op.</summary>
[MemoryDiagnoser]
public class OrSetBenchmarks
{
    private const int Batch = 1_000;
    private LocalEditor _editor = null!;
    private DocumentKey[] _keys = [];
    private long _wall = 1_767_000_000_000;
    private int _next;
    private readonly Dictionary<string, FieldValue> _values = new() { ["hours"] = FieldValue.Decimal(1.5m), ["tech"] = FieldValue.String("alex") };

    [GlobalSetup]
    public void Setup()
    {
        _editor = new LocalEditor(new ReplicaId("bench"), new DocumentSet(MicroSchema.Registry()));
        _keys = MicroSchema.Keys(100);
        MicroSchema.CreateAll(_editor, _keys, ref _wall);
    }

    [Benchmark(OperationsPerInvoke = Batch * 2)]
    public void Add_then_remove()
    {
        for (var i = 0; i < Batch; i++)
        {
            var key = _keys[i % _keys.Length];
            var id = "e" + _next++;
            _editor.Edit(key, "alex", _wall++, [new AddElement(MicroSchema.Entries, id, _values)]);
            _editor.Edit(key, "alex", _wall++, [new RemoveElement(MicroSchema.Entries, id)]);
        }
    }
}
