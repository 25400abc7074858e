using Google.Protobuf;
using Grpc.Core;

namespace Crdt.Core.Wire;

/// <summary>
/// Messages that carry ops as the bytes <c>OpCodec.Encode</c> made, so an op is encoded once in
/// the whole system. <c>repeated Op ops = 1</c> and <c>bytes</c> share one wire form (tag, length,
/// bytes), so the ops ride in the message's unknown-field set: the generated serializer writes them
/// as they are, after the known fields, and any protobuf reader (grpc-js included) sees plain ops.
/// </summary>
internal static class EncodedField
{
    /// <summary>An unknown-field set holding each payload as one length-delimited value of field
    /// <paramref name="number"/>. Google.Protobuf builds such sets only by reading them, so the
    /// fields are written out and read back: two copies of the bytes, no decoding of an op.</summary>
    public static UnknownFieldSet Of(int number, IEnumerable<byte[]> payloads)
    {
        var list = payloads as IReadOnlyCollection<byte[]> ?? payloads.ToList();
        var tagSize = CodedOutputStream.ComputeTagSize(number);
        var size = 0;
        foreach (var payload in list)
        {
            size += tagSize + CodedOutputStream.ComputeLengthSize(payload.Length) + payload.Length;
        }

        var buffer = new byte[size];
        var output = new CodedOutputStream(buffer);
        foreach (var payload in list)
        {
            output.WriteTag(number, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(UnsafeByteOperations.UnsafeWrap(payload));
        }
        output.CheckNoSpaceLeft();
        var input = new CodedInputStream(buffer);
        UnknownFieldSet? set = null;
        while (input.ReadTag() != 0)
        {
            set = UnknownFieldSet.MergeFieldFrom(set, input);
        }
        return set ?? UnknownFieldSet.Clone(null)!;
    }
}

public sealed partial class PushRequest
{
    /// <summary>A push of ops already encoded (a device's outbox rows), sent without decoding them.
    /// The result is for sending: its <see cref="Ops"/> list stays empty.</summary>
    public static PushRequest OfEncodedOps(IEnumerable<byte[]> encodedOps) =>
        new() { _unknownFields = EncodedField.Of(OpsFieldNumber, encodedOps) };
}

public sealed partial class PullResponse
{
    /// <summary>A stream item carrying one op as its stored bytes; one instance may be written to
    /// every stream that sends the op (serializing only reads it).</summary>
    public static PullResponse OfEncodedOp(byte[] encodedOp) =>
        new() { _unknownFields = EncodedField.Of(OpFieldNumber, [encodedOp]) };

    /// <summary>
    /// For an item made by <see cref="PreEncodedOp"/>: its whole encoding (<c>op = 1</c>: tag, length, the
    /// op's stored bytes), which <see cref="WritingPreEncoded"/> writes as is. The generated serializer
    /// does not know this property: written by it, such an item is an empty message. So these items go
    /// only to streams whose method was bound with <see cref="WritingPreEncoded"/> (the relay's Sync
    /// Pull and Subscribe); every other writer gets <see cref="OfEncodedOp"/> items.
    /// </summary>
    internal byte[]? PreEncoded { get; private init; }

    /// <summary>A stream item carrying one op as its stored bytes, encoded once for every stream that
    /// sends it: writing it copies the bytes and builds nothing (<see cref="OfEncodedOp"/> reads the op
    /// into an unknown-field set, which the generated serializer then walks for every stream).</summary>
    internal static PullResponse PreEncodedOp(byte[] encodedOp)
    {
        var encoded = new byte[CodedOutputStream.ComputeTagSize(OpFieldNumber) + CodedOutputStream.ComputeLengthSize(encodedOp.Length) + encodedOp.Length];
        // Tag and length as varints, written here: a CodedOutputStream for them would be an allocation per op
        // as large as the item itself.
        var at = WriteVarint(encoded, 0, WireFormat.MakeTag(OpFieldNumber, WireFormat.WireType.LengthDelimited));
        at = WriteVarint(encoded, at, (uint)encodedOp.Length);
        encodedOp.CopyTo(encoded, at);
        return new PullResponse { PreEncoded = encoded };
    }

    /// <summary>Writes <paramref name="value"/> as a base-128 varint at <paramref name="at"/>; returns where it ends.</summary>
    private static int WriteVarint(byte[] buffer, int at, uint value)
    {
        while (value >= 0x80)
        {
            buffer[at++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[at++] = (byte)value;
        return at;
    }

    /// <summary>The response marshaller of a relay's Sync Pull and Subscribe: writes a <see cref="PreEncodedOp"/>
    /// item's bytes as they are and every other item as <paramref name="generated"/> does; reads as it does.</summary>
    internal static Marshaller<PullResponse> WritingPreEncoded(Marshaller<PullResponse> generated) =>
        new(
            (item, context) =>
            {
                if (item.PreEncoded is { } encoded)
                {
                    context.Complete(encoded);
                    return;
                }
                generated.ContextualSerializer(item, context);
            },
            generated.ContextualDeserializer);
}
