using BenchmarkDotNet.Attributes;
using Crdt.Core;

namespace Crdt.Bench.Micro;

/// <summary>
/// Merging a batch of remote ops: a device that was offline receives 1,000 creates and 10,000 LWW
/// sets made by another replica, as decoded ops (Apply) or as bytes (decode + apply).
/// Reported per op (OperationsPerInvoke = 11,000).
/// </summary>
[MemoryDiagnoser]
public class RemoteMergeBenchmarks
{
    private const int Docs = 1_000;
    private List<Op> _ops = [];
    private List<byte[]> _bytes = [];
    private SchemaRegistry _schemas = null!;

    [GlobalSetup]
    public void Setup()
    {
        _schemas = MicroSchema.Registry();
        var keys = MicroSchema.Keys(Docs);
        var editor = new LocalEditor(new ReplicaId("bench-remote"), new DocumentSet(_schemas));
        long wall = 1_767_000_000_000;
        _ops = MicroSchema.CreateAll(editor, keys, ref wall);
        var n = 0;
        foreach (var key in keys)
        {
            foreach (var field in MicroSchema.Fields)
            {
                _ops.Add(editor.Edit(key, "tech", wall++, m => m.Set(field, FieldValue.String("v" + n++))));
            }
        }
        _bytes = _ops.Select(OpCodec.Encode).ToList();
    }

    [Benchmark(OperationsPerInvoke = Docs * 11)]
    public DocumentSet Apply_decoded_ops()
    {
        var documents = new DocumentSet(_schemas);
        foreach (var op in _ops)
        {
            documents.Apply(op);
        }
        return documents;
    }

    [Benchmark(OperationsPerInvoke = Docs * 11)]
    public DocumentSet Decode_and_apply_bytes()
    {
        var documents = new DocumentSet(_schemas);
        foreach (var bytes in _bytes)
        {
            documents.Apply(OpCodec.Decode(bytes));
        }
        return documents;
    }
}
