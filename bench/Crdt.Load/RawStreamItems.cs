using Crdt.Core.Wire;
using Grpc.Core;
using Grpc.Net.Client;

namespace Crdt.Load;

/// <summary>
/// Sync.Subscribe with the stream items left as their received bytes, so that a subscriber can time
/// an op's arrival by reading only its dot (<see cref="TryReadOpDot"/>) and decode it in full later
/// (<see cref="LiveSubscriber.VerifyDeliveries"/>): four subscribers decoding 50,000 ops each on the
/// relay's own two cores is work of the harness, not of the delivery it times.
/// </summary>
internal static class RawStreamItems
{
    private static readonly Method<SubscribeRequest, byte[]> SubscribeRaw = new(
        MethodType.ServerStreaming,
        Sync.Descriptor.FullName,
        "Subscribe",
        Marshallers.Create<SubscribeRequest>(r => Google.Protobuf.MessageExtensions.ToByteArray(r), SubscribeRequest.Parser.ParseFrom),
        Marshallers.Create<byte[]>(b => b, b => b));

    public static AsyncServerStreamingCall<byte[]> Subscribe(GrpcChannel channel, SubscribeRequest request, CallOptions options) =>
        channel.CreateCallInvoker().AsyncServerStreamingCall(SubscribeRaw, null, options, request);

    /// <summary>The dot of the op a <c>PullResponse</c> carries (field 1, <c>Op.dot</c> = 1: replica = 1,
    /// seq = 2), read without decoding the rest; false for other items (checkpoints, snapshots).</summary>
    public static bool TryReadOpDot(ReadOnlySpan<byte> item, out string replica, out ulong seq)
    {
        replica = "";
        seq = 0;
        return TryField(item, 1, out var op) && TryField(op, 1, out var dot) && ReadDot(dot, ref replica, ref seq);
    }

    /// <summary>The cursor of the checkpoint a <c>PullResponse</c> carries (field 3, <c>Checkpoint.cursor</c> = 1);
    /// false for other items.</summary>
    public static bool TryReadCheckpointCursor(ReadOnlySpan<byte> item, out ulong cursor)
    {
        cursor = 0;
        if (!TryField(item, 3, out var checkpoint))
        {
            return false;
        }
        int at = 0;
        while (at < checkpoint.Length)
        {
            ulong tag = Varint(checkpoint, ref at);
            if (tag == ((1 << 3) | 0))
            {
                cursor = Varint(checkpoint, ref at);
            }
            else
            {
                Skip(checkpoint, tag, ref at);
            }
        }
        return true;
    }

    private static bool ReadDot(ReadOnlySpan<byte> dot, ref string replica, ref ulong seq)
    {
        int at = 0;
        while (at < dot.Length)
        {
            ulong tag = Varint(dot, ref at);
            switch (tag)
            {
                case (1 << 3) | 2:
                    int length = checked((int)Varint(dot, ref at));
                    replica = System.Text.Encoding.UTF8.GetString(dot.Slice(at, length));
                    at += length;
                    break;
                case (2 << 3) | 0:
                    seq = Varint(dot, ref at);
                    break;
                default:
                    Skip(dot, tag, ref at);
                    break;
            }
        }
        return replica.Length > 0;
    }

    /// <summary>The bytes of the first length-delimited field <paramref name="number"/> of a message.</summary>
    private static bool TryField(ReadOnlySpan<byte> message, int number, out ReadOnlySpan<byte> field)
    {
        int at = 0;
        while (at < message.Length)
        {
            ulong tag = Varint(message, ref at);
            if (tag == (ulong)((number << 3) | 2))
            {
                int length = checked((int)Varint(message, ref at));
                field = message.Slice(at, length);
                return true;
            }
            Skip(message, tag, ref at);
        }
        field = default;
        return false;
    }

    private static void Skip(ReadOnlySpan<byte> message, ulong tag, ref int at)
    {
        switch (tag & 7)
        {
            case 0: Varint(message, ref at); break;
            case 1: at += 8; break;
            case 2:
                // Not "at += Varint(...)": that adds the length to the position from before the length.
                int length = checked((int)Varint(message, ref at));
                at += length;
                break;
            case 5: at += 4; break;
            default: throw new InvalidDataException($"wire type {tag & 7} in a stream item");
        }
    }

    private static ulong Varint(ReadOnlySpan<byte> bytes, ref int at)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = bytes[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new InvalidDataException("a varint longer than 10 bytes in a stream item");
    }
}
