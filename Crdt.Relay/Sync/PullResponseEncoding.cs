using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Sync;

/// <summary>
/// Builds the encoding of <c>PullResponse { op }</c> straight from the op's stored bytes: the
/// field's tag and length, then the bytes. Equal to encoding the message, without decoding and
/// re-encoding the op for each stream that sends it.
/// </summary>
internal static class PullResponseEncoding
{
    public static byte[] OfOp(byte[] opPayload)
    {
        var data = UnsafeByteOperations.UnsafeWrap(opPayload);
        var size = CodedOutputStream.ComputeTagSize(Wire.PullResponse.OpFieldNumber) + CodedOutputStream.ComputeBytesSize(data);
        var encoded = new byte[size];
        var output = new CodedOutputStream(encoded);
        output.WriteTag(Wire.PullResponse.OpFieldNumber, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(data);
        output.CheckNoSpaceLeft();
        return encoded;
    }
}
