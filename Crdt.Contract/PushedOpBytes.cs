using System.Buffers;
using Google.Protobuf;
using Grpc.Core;

namespace Crdt.Core.Wire;

public sealed partial class PushRequest
{
    /// <summary>
    /// For a request read by <see cref="ParseKeepingOpBytes"/>: each op's bytes exactly as they arrived,
    /// in the order of <see cref="Ops"/>, so the relay can store what the device stored rather than an
    /// encoding of its own. Null for requests built or parsed otherwise.
    /// </summary>
    internal IReadOnlyList<byte[]>? ReceivedOpBytes { get; private set; }

    /// <summary>
    /// The received bytes of op <paramref name="index"/> when they are the one canonical form (what
    /// <c>OpCodec.Encode</c> writes for the op they decode to), to be stored as they are; null when
    /// none were kept or they are written otherwise (a foreign encoder, unknown fields), and the op
    /// must be encoded again. Never lets bytes the encoder would not write through to other devices.
    /// </summary>
    internal byte[]? CanonicalOpBytes(int index) =>
        ReceivedOpBytes is { } received && Core.Codec.CanonicalOpForm.IsCanonical(received[index]) ? received[index] : null;

    /// <summary>The request marshaller of a relay's Sync.Push: reads requests with <see cref="ParseKeepingOpBytes"/>.</summary>
    internal static Marshaller<PushRequest> KeepingOpBytes { get; } =
        Marshallers.Create<PushRequest>((request, context) => context.Complete(request.ToByteArray()), context => ParseKeepingOpBytes(context.PayloadAsReadOnlySequence()));

    /// <summary>
    /// Parses a request and keeps each op's bytes as received. A request holding anything but ops
    /// (a field of an unknown number, a malformed frame) is parsed as the generated parser parses it
    /// (so what it refuses is refused the same way), and each op's bytes are then what the generated
    /// serializer writes for it, unknown fields included: checked like any others, so such a request
    /// takes the relay's one path (and its ops' unknown fields go nowhere).
    /// </summary>
    internal static PushRequest ParseKeepingOpBytes(ReadOnlySequence<byte> payload)
    {
        var bytes = payload.IsSingleSegment ? payload.First.Span : payload.ToArray();
        var slices = OpFields(bytes);
        if (slices is null)
        {
            var parsed = Parser.ParseFrom(payload);
            parsed.ReceivedOpBytes = parsed.Ops.Select(op => op.ToByteArray()).ToArray();
            return parsed;
        }
        var request = new PushRequest();
        var received = new byte[slices.Count][];
        for (var i = 0; i < received.Length; i++)
        {
            var (start, length) = slices[i];
            received[i] = bytes.Slice(start, length).ToArray();
            // Parsed from the copy the relay keeps: a malformed op throws here as the generated parser would.
            request.Ops.Add(Op.Parser.ParseFrom(received[i]));
        }
        request.ReceivedOpBytes = received;
        return request;
    }

    /// <summary>Where each op field (1, length-delimited) lies, or null when the request holds
    /// anything else or does not parse (then the generated parser decides).</summary>
    private static List<(int Start, int Length)>? OpFields(ReadOnlySpan<byte> bytes)
    {
        const byte opTag = (OpsFieldNumber << 3) | (byte)WireFormat.WireType.LengthDelimited;
        var fields = new List<(int, int)>();
        var at = 0;
        while (at < bytes.Length)
        {
            if (bytes[at++] != opTag || !TryReadLength(bytes, ref at, out var length) || length > bytes.Length - at)
            {
                return null;
            }
            fields.Add((at, length));
            at += length;
        }
        return fields;
    }

    private static bool TryReadLength(ReadOnlySpan<byte> bytes, ref int at, out int length)
    {
        ulong value = 0;
        for (var shift = 0; shift < 35 && at < bytes.Length; shift += 7)
        {
            var b = bytes[at++];
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
