using System.Buffers.Binary;

namespace Crdt.Grpc.Internal;

/// <summary>
/// The gRPC length-prefixed message: 1 byte compressed flag, 4 bytes big-endian length, then the
/// message. DATA frame boundaries have nothing to do with message boundaries.
/// </summary>
internal static class MessageFraming
{
    public const int HeaderSize = 5;

    public static void WriteHeader(Span<byte> destination, bool compressed, int length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(1), (uint)length);
    }

    /// <summary>Reads a header: the flag byte as sent (0 or 1 are valid) and the length.</summary>
    public static (byte Flag, uint Length) ReadHeader(ReadOnlySpan<byte> header) =>
        (header[0], BinaryPrimitives.ReadUInt32BigEndian(header.Slice(1)));
}
