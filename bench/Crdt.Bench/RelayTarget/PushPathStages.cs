using Crdt.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Bench.RelayTarget;

/// <summary>
/// Bytes allocated per op by the steps of the push path that do not touch the tenant (parsing the
/// request into messages keeping each op's bytes, converting each message into a Core op, checking the
/// bytes are canonical, and the encoding a non-canonical op needs), run
/// again on pushes already measured: what is left of the push path's total is validation, the store
/// append and the apply. Allocations are exact whatever the machine's load.
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
        var parse = GC.GetAllocatedBytesForCurrentThread() - before;

        var converted = new List<Op>(parsed.Sum(r => r.Ops.Count));
        before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var request in parsed)
        {
            foreach (var wire in request.Ops)
            {
                converted.Add(Wire.CoreMessages.ToOp(wire));
            }
        }
        var convert = GC.GetAllocatedBytesForCurrentThread() - before;
        var ops = converted.Count;

        before = GC.GetAllocatedBytesForCurrentThread();
        var canonical = 0;
        foreach (var request in parsed)
        {
            for (var i = 0; i < request.Ops.Count; i++)
            {
                canonical += request.CanonicalOpBytes(i) is null ? 0 : 1;
            }
        }
        var check = GC.GetAllocatedBytesForCurrentThread() - before;

        // What the relay spends on ops whose bytes are not canonical (and spent on every op before issue 11).
        before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var op in converted)
        {
            GC.KeepAlive(OpCodec.Encode(op));
        }
        var encode = GC.GetAllocatedBytesForCurrentThread() - before;
        return $"  allocated per op by step: parse (keeping op bytes) {parse / (double)ops:F0} B, message -> op {convert / (double)ops:F0} B, " +
            $"canonical-form check {check / (double)ops:F0} B ({canonical} of {ops} ops stored as sent), encode (non-canonical ops only) {encode / (double)ops:F0} B";
    }
}
