using BenchmarkDotNet.Attributes;
using Crdt.Core;

namespace Crdt.Bench.Micro;

/// <summary>
/// Encoding and decoding one LWW op (a WorkOrder status set with a one-replica context).
/// The encoded sizes are printed at setup: target is under 40 bytes plus the value.
/// </summary>
[MemoryDiagnoser]
public class OpCodecBenchmarks
{
    private Op _op = null!;
    private byte[] _bytes = [];

    [GlobalSetup]
    public void Setup()
    {
        var replica = new ReplicaId("tablet-0042");
        _op = new Op(new Dot(replica, 123_456), new Hlc(1_767_000_000_000, 0, replica), "alex", new DocumentKey("WorkOrder", "wo-10042"),
            new VersionVector([new(new ReplicaId("relay-1"), 98_765)]), [new SetField("status", FieldValue.String("completed"))]);
        _bytes = OpCodec.Encode(_op);
        var bare = OpCodec.Encode(new Op(new Dot(replica, 123_456), new Hlc(1_767_000_000_000, 0, replica), "alex", new DocumentKey("WorkOrder", "wo-10042"),
            VersionVector.Empty, [new SetField("status", FieldValue.String(""))]));
        Console.WriteLine($"// encoded LWW op: {_bytes.Length} bytes with a 1-entry context and the 9-byte value \"completed\"; " +
                          $"{bare.Length} bytes with an empty context and an empty value (ids: replica 11, author 4, collection 9, id 8, field 6 characters)");
    }

    [Benchmark]
    public byte[] Encode() => OpCodec.Encode(_op);

    [Benchmark]
    public Op Decode() => OpCodec.Decode(_bytes);
}
