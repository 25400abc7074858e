using Crdt.Core.Merge;
using Google.Protobuf.Collections;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Codec;

/// <summary>
/// The parts of the older snapshot form, which the writer no longer produces but stored snapshots
/// and older peers may still hold: plain ops (the relay's original op-list snapshot), runs that
/// spell out their replica and context, writes that carry a StateDot and an Hlc message, elements
/// whose adds and removes are StateDots.
/// </summary>
internal sealed partial class SnapshotReader
{
    /// <summary>DocumentSnapshot.ops: plain ops of this document, applied as if received one by one.</summary>
    private List<Op> ReadPlainOps()
    {
        var ops = new List<Op>(_message.Ops.Count);
        foreach (var op in _message.Ops)
        {
            var decoded = OpCodec.FromMessage(op);
            if (!decoded.Document.Equals(_key))
            {
                throw new OpDecodeException($"{Here}: op {decoded.Dot} is for another document ({decoded.Document})");
            }
            ops.Add(decoded);
        }
        return ops;
    }

    private ReplicaId OlderRunReplica(Wire.OpRun run) => WireConvert.ReplicaFrom(run.Replica, Here + " op run");

    private VersionVector OlderRunContext(Wire.OpRun run) => WireConvert.FromMessage(run.Context, Here + " op run context");

    /// <summary>A write's op and Hlc as a StateDot and an Hlc message.</summary>
    private (CausalRecord, Hlc) OlderWriteOp(Wire.RegisterWrite write, string what, string field)
    {
        var causal = Causal(write.Dot, what, field);
        return (causal, HlcOf(write.Hlc, causal.Dot, what, field));
    }

    /// <summary>An element's adds or removes as StateDots.</summary>
    private void OlderCausals(RepeatedField<Wire.StateDot> dots, string what, Wire.ElementState element, string id, List<CausalRecord> into)
    {
        foreach (var dot in dots)
        {
            if (dot is null || dot.Replica >= _replicas.Length || dot.Seq == 0 || dot.Seq > long.MaxValue
                || !TryRecord(new Dot(_replicas[dot.Replica], (long)dot.Seq), out var record))
            {
                // Reported with the element named (formatted only now).
                into.Add(Causal(dot, $"element '{element.Field}/{id}' {what}", id));
                continue;
            }
            into.Add(record);
        }
    }
}
