using System.Buffers;
using System.Diagnostics;
using Crdt.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Bench.RelayTarget;

/// <summary>
/// Process CPU per op of the push path's steps that do not touch the tenant, each run alone over the
/// measured pushes several times (the least kept: the machine is shared): the generated parse the relay
/// did before issue 11 and the parse that keeps each op's bytes, message to op, the canonical-form check
/// that lets the relay store the bytes as sent, and the encode it needed for every op before.
/// </summary>
internal static class PushPathStageTimes
{
    private const int Rounds = 5;

    public static string Describe(IReadOnlyList<byte[]> requests)
    {
        var kept = requests.Select(r => Wire.PushRequest.ParseKeepingOpBytes(new ReadOnlySequence<byte>(r))).ToList();
        var ops = kept.SelectMany(r => r.Ops.Select(Wire.CoreMessages.ToOp)).ToList();
        var count = (double)ops.Count;
        var generated = Least(() =>
        {
            foreach (var request in requests)
            {
                GC.KeepAlive(Wire.PushRequest.Parser.ParseFrom(request));
            }
        });
        var keeping = Least(() =>
        {
            foreach (var request in requests)
            {
                GC.KeepAlive(Wire.PushRequest.ParseKeepingOpBytes(new ReadOnlySequence<byte>(request)));
            }
        });
        var convert = Least(() =>
        {
            foreach (var request in kept)
            {
                foreach (var wire in request.Ops)
                {
                    GC.KeepAlive(Wire.CoreMessages.ToOp(wire));
                }
            }
        });
        var check = Least(() =>
        {
            foreach (var request in kept)
            {
                for (var i = 0; i < request.Ops.Count; i++)
                {
                    GC.KeepAlive(request.CanonicalOpBytes(i));
                }
            }
        });
        var encode = Least(() =>
        {
            foreach (var op in ops)
            {
                GC.KeepAlive(OpCodec.Encode(op));
            }
        });
        return $"  CPU per op by step (least of {Rounds}): generated parse {generated / count:F2} us, parse keeping op bytes {keeping / count:F2} us, " +
            $"message -> op {convert / count:F2} us, canonical-form check {check / count:F2} us, encode {encode / count:F2} us";
    }

    private static double Least(Action step)
    {
        var least = double.MaxValue;
        for (var round = 0; round < Rounds; round++)
        {
            var before = Process.GetCurrentProcess().TotalProcessorTime;
            step();
            least = Math.Min(least, (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMicroseconds);
        }
        return least;
    }
}
