using Crdt.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Bench.RelayTarget;

/// <summary>
/// Bytes allocated per op by the steps of the push path that do not touch the tenant, run again on
/// pushes already measured: reading the request keeping each op's bytes (canonical ones read straight
/// into Core ops, issue 11), converting the other ops' messages, and the encoding a non-canonical op
/// needs; beside them, for comparison, what the message path costs (the generated parse and message
/// to op for every op). What is left of the push path's total is validation, the store append and the
/// apply. Allocations are exact whatever the machine's load.
/// </summary>
internal static class PushPathStages
{
    public static string Describe(IReadOnlyList<byte[]> requests)
    {
        var parsed = new List<Wire.PushRequest>(requests.Count);
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var request in requests)
        {
            parsed.Add(Wire.PushRequest.ParseKeepingOpBytes(new System.Buffers.ReadOnlySequence<byte>(request)));
        }
        var read = GC.GetAllocatedBytesForCurrentThread() - before;
        var received = parsed.SelectMany(r => r.ReceivedOps!).ToList();
        var ops = received.Count;
        var canonical = received.Count(r => r.Read is not null);

        var converted = new List<Op>(ops - canonical);
        before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var other in received.Where(r => r.Read is null))
        {
            converted.Add(Wire.CoreMessages.ToOp(other.Message!));
        }
        var convert = GC.GetAllocatedBytesForCurrentThread() - before;

        before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var op in converted)
        {
            GC.KeepAlive(OpCodec.Encode(op));
        }
        var encode = GC.GetAllocatedBytesForCurrentThread() - before;

        // The message path every op took before: the generated parse, then message -> op.
        before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var request in requests)
        {
            foreach (var message in Wire.PushRequest.Parser.ParseFrom(request).Ops)
            {
                GC.KeepAlive(Wire.CoreMessages.ToOp(message));
            }
        }
        var messagePath = GC.GetAllocatedBytesForCurrentThread() - before;
        return $"  allocated per op by step: read keeping op bytes (canonical ones into ops) {read / (double)ops:F0} B ({canonical} of {ops} ops read straight), " +
            $"message -> op for the others {convert / (double)ops:F0} B, encode for the others {encode / (double)ops:F0} B; " +
            $"for comparison, generated parse + message -> op for every op {messagePath / (double)ops:F0} B";
    }
}
