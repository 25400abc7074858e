using System.Buffers;
using Google.Protobuf;

namespace Crdt.Core.Wire;

public sealed partial class PullResponse
{
    /// <summary>
    /// For an op item read by <see cref="ParseKeepingOpBytes"/>: the op's bytes exactly as they
    /// arrived (the relay sends them as it stored them), so the receiving device stores those
    /// bytes rather than an encoding of its own. Null for items built or parsed otherwise.
    /// </summary>
    internal byte[]? ReceivedOpBytes { get; private set; }

    /// <summary>Parses a stream item and, when it is an op, keeps the op's bytes as received.</summary>
    internal static PullResponse ParseKeepingOpBytes(ReadOnlySequence<byte> payload)
    {
        var item = Parser.ParseFrom(payload);
        if (item.ItemCase == ItemOneofCase.Op)
        {
            item.ReceivedOpBytes = SingleOpField(payload.ToArray());
        }
        return item;
    }

    /// <summary>
    /// The bytes of the op field when it occurs once, as every sender writes it. Written in pieces,
    /// protobuf merges them into one op that no single piece equals: null, and the receiver falls
    /// back to encoding the merged op.
    /// </summary>
    private static byte[]? SingleOpField(byte[] payload)
    {
        var input = new CodedInputStream(payload);
        byte[]? op = null;
        var occurrences = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == OpFieldNumber && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                op = input.ReadBytes().ToByteArray();
                occurrences++;
            }
            else
            {
                input.SkipLastField();
            }
        }
        return occurrences == 1 ? op : null;
    }
}
