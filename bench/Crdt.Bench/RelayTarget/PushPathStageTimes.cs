using System.Buffers;
using System.Diagnostics;
using Crdt.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Bench.RelayTarget;

/// <summary>
/// Process CPU per op of the push path's steps that do not touch the tenant, each run alone over the
/// measured pushes several times (the least kept: the machine is shared): the request read the relay
/// does (each op's bytes kept, canonical ones read straight into Core ops), and for comparison the
/// message path (the generated parse, message to op) and the encode every op needed before issue 11.
/// </summary>
internal static class PushPathStageTimes
{
    private const int Rounds = 5;

    public static string Describe(IReadOnlyList<byte[]> requests)
    {
        var messages = requests.SelectMany(r => Wire.PushRequest.Parser.ParseFrom(r).Ops).ToList();
        var ops = messages.Select(Wire.CoreMessages.ToOp).ToList();
        var count = (double)ops.Count;
        var keeping = Least(() =>
        {
            foreach (var request in requests)
            {
                GC.KeepAlive(Wire.PushRequest.ParseKeepingOpBytes(new ReadOnlySequence<byte>(request)));
            }
        });
        var generated = Least(() =>
        {
            foreach (var request in requests)
            {
                GC.KeepAlive(Wire.PushRequest.Parser.ParseFrom(request));
            }
        });
        var convert = Least(() =>
        {
            foreach (var message in messages)
            {
                GC.KeepAlive(Wire.CoreMessages.ToOp(message));
            }
        });
        var encode = Least(() =>
        {
            foreach (var op in ops)
            {
                GC.KeepAlive(OpCodec.Encode(op));
            }
        });
        return $"  CPU per op by step (least of {Rounds}): read keeping op bytes (canonical ones into ops) {keeping / count:F2} us; " +
            $"for comparison, generated parse {generated / count:F2} us, message -> op {convert / count:F2} us, encode {encode / count:F2} us";
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
