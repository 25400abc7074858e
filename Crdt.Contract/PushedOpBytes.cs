using System.Buffers;
using Google.Protobuf;
using Grpc.Core;

namespace Crdt.Core.Wire;

/// <summary>
/// One op of a Push as the relay received it: its bytes, and either the op read straight from them when
/// they are a valid op in the canonical form (<see cref="Read"/>), or the message parsed from them for
/// any other encoding or an invalid op (<see cref="Message"/>), which the relay converts, and refuses
/// with the decoder's words, as it does any message.
/// </summary>
internal readonly record struct ReceivedPushOp(byte[] Bytes, Core.Op? Read, Op? Message);

public sealed partial class PushRequest
{
    /// <summary>
    /// For a request read by <see cref="ParseKeepingOpBytes"/>: each op as it arrived, in order (such a
    /// request holds its ops here only, its <see cref="Ops"/> stay empty). The relay stores the bytes of
    /// an op read straight from them as they are: what the device stored, and no encoding of its own.
    /// Null for requests built or parsed otherwise.
    /// </summary>
    internal IReadOnlyList<ReceivedPushOp>? ReceivedOps { get; private set; }

    /// <summary>How many ops the request holds, however it was read.</summary>
    internal int OpCount => ReceivedOps?.Count ?? Ops.Count;

    /// <summary>The request marshaller of a relay's Sync.Push: reads requests with <see cref="ParseKeepingOpBytes"/>.</summary>
    internal static Marshaller<PushRequest> KeepingOpBytes { get; } =
        Marshallers.Create<PushRequest>((request, context) => context.Complete(request.ToByteArray()), context => ParseKeepingOpBytes(context.PayloadAsReadOnlySequence()));

    /// <summary>
    /// Parses a request keeping each op's bytes as received, and reads the op straight from them when
    /// they are canonical (<see cref="Core.Codec.CanonicalOpForm"/>), with no generated message on the way.
    /// A request holding anything but ops (a field of an unknown number, a malformed frame) is parsed as
    /// the generated parser parses it (so what it refuses is refused the same way), and each op's bytes
    /// are then what the generated serializer writes for it, unknown fields included: checked like any
    /// others, so such a request takes the relay's one path (and its ops' unknown fields go nowhere).
    /// </summary>
    internal static PushRequest ParseKeepingOpBytes(ReadOnlySequence<byte> payload)
    {
        var fields = OpFields(payload);
        if (fields is null)
        {
            var parsed = Parser.ParseFrom(payload);
            var repeated = new Core.Codec.RepeatedTexts();
            parsed.ReceivedOps = parsed.Ops.Select(op => Received(op.ToByteArray(), op, repeated)).ToArray();
            parsed.Ops.Clear();
            return parsed;
        }
        var received = new ReceivedPushOp[fields.Count];
        // One device's ops repeat its replica id, author, documents and field names: made into strings once.
        var texts = new Core.Codec.RepeatedTexts();
        for (var i = 0; i < received.Length; i++)
        {
            var (start, length) = fields[i];
            // Each op copied out of the request as it lies (in one piece or across the request's buffers),
            // with no copy of the whole request on the way.
            var bytes = new byte[length];
            payload.Slice(start, length).CopyTo(bytes);
            received[i] = Received(bytes, parsed: null, texts);
        }
        return new PushRequest { ReceivedOps = received };
    }

    /// <summary>The op read from <paramref name="bytes"/> when they are canonical, else their message (parsed
    /// from the copy the relay keeps unless given: a malformed op throws here as the generated parser would).</summary>
    private static ReceivedPushOp Received(byte[] bytes, Op? parsed, Core.Codec.RepeatedTexts texts) =>
        Core.Codec.CanonicalOpForm.TryRead(bytes, texts) is { } read
            ? new ReceivedPushOp(bytes, read, null)
            : new ReceivedPushOp(bytes, null, parsed ?? Op.Parser.ParseFrom(bytes));

    /// <summary>Where each op field (1, length-delimited) lies, or null when the request holds anything
    /// else or does not parse (then the generated parser decides). Read where the request lies: a large
    /// one arrives in several buffers.</summary>
    private static List<(SequencePosition Start, int Length)>? OpFields(ReadOnlySequence<byte> payload)
    {
        const byte opTag = (OpsFieldNumber << 3) | (byte)WireFormat.WireType.LengthDelimited;
        var fields = new List<(SequencePosition, int)>();
        var reader = new SequenceReader<byte>(payload);
        while (!reader.End)
        {
            if (!reader.TryRead(out var tag) || tag != opTag || !TryReadLength(ref reader, out var length) || length > reader.Remaining)
            {
                return null;
            }
            fields.Add((reader.Position, length));
            reader.Advance(length);
        }
        return fields;
    }

    private static bool TryReadLength(ref SequenceReader<byte> reader, out int length)
    {
        ulong value = 0;
        for (var shift = 0; shift < 35 && reader.TryRead(out var b); shift += 7)
        {
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                length = (int)Math.Min(value, int.MaxValue);
                return value <= int.MaxValue;
            }
        }
        length = 0;
        return false;
    }
}
