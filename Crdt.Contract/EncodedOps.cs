using Google.Protobuf;

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
}
