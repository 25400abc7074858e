using BenchmarkDotNet.Attributes;
using Crdt.Bench.Micro.ProtobufNet;
using Crdt.Core;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Bench.Micro;

/// <summary>
/// protobuf-net 3.4.40 against what we do now for the two decodes on the receiving path
/// (issue 11): one <c>Op</c> (Google.Protobuf's generated parser; <see cref="OpCodec.Decode"/>,
/// which is that parse plus validation into a Core op) and one <c>PullResponse</c> stream item
/// carrying an op (the generated parser). protobuf-net reads the hand-annotated mirror types in
/// ProtobufNet/ (a second copy of the contract). <see cref="Shape"/>: a one-field status change
/// (the common op) or a time entry added with five values (a larger op).
/// </summary>
[MemoryDiagnoser]
public class ProtobufNetBenchmarks
{
    private byte[] _op = [];
    private byte[] _pullItem = [];

    [Params("status", "time-entry")]
    public string Shape { get; set; } = "status";

    [GlobalSetup]
    public void Setup()
    {
        var replica = new ReplicaId("tablet-0042");
        Mutation mutation = Shape == "status"
            ? new SetField("status", FieldValue.String("completed"))
            : new AddElement("time_entries", "te-000017", new Dictionary<string, FieldValue>
            {
                ["hours"] = FieldValue.Decimal(1.5m),
                ["note"] = FieldValue.String("replaced the pressure relief valve"),
                ["technician"] = FieldValue.String("alex"),
                ["at"] = FieldValue.TimestampMs(1_767_000_000_000),
                ["billable"] = FieldValue.Bool(true),
            });
        _op = OpCodec.Encode(new Op(new Dot(replica, 123_456), new Hlc(1_767_000_000_000, 0, replica), "alex", new DocumentKey("WorkOrder", "wo-10042"),
            new VersionVector([new(new ReplicaId("relay-1"), 98_765)]), [mutation]));
        _pullItem = Wire.PullResponse.OfEncodedOp(_op).ToByteArray();
        // Both readers must see the same op, or the comparison means nothing.
        var mirrored = ProtoBuf.Serializer.Deserialize<PnPullResponse>(_pullItem.AsSpan());
        if (mirrored.Op?.Dot?.Seq != 123_456 || mirrored.Op.Mutations.Count != 1 || Wire.PullResponse.Parser.ParseFrom(_pullItem).Op.Dot.Seq != 123_456)
        {
            throw new InvalidOperationException("the protobuf-net mirror does not read the op the generated parser reads");
        }
        Console.WriteLine($"// {Shape}: op {_op.Length} bytes, pull item {_pullItem.Length} bytes");
    }

    [Benchmark(Baseline = true)]
    public Wire.Op Op_GoogleProtobuf() => Wire.Op.Parser.ParseFrom(_op);

    [Benchmark]
    public Op Op_OpCodecDecode() => OpCodec.Decode(_op);

    [Benchmark]
    public PnOp Op_ProtobufNet() => ProtoBuf.Serializer.Deserialize<PnOp>(_op.AsSpan());

    [Benchmark]
    public Wire.PullResponse PullResponse_GoogleProtobuf() => Wire.PullResponse.Parser.ParseFrom(_pullItem);

    [Benchmark]
    public PnPullResponse PullResponse_ProtobufNet() => ProtoBuf.Serializer.Deserialize<PnPullResponse>(_pullItem.AsSpan());
}
