using Google.Protobuf;

namespace Crdt.Grpc.Internal;

/// <summary>Turns one message into one length-prefixed frame, compressed or not, within the send limit.</summary>
internal static class MessageSerializer
{
    /// <param name="encoding">null or "identity" for no compression, else a supported grpc-encoding.</param>
    /// <param name="maxSendSize">null for no limit.</param>
    public static byte[] Frame(IMessage message, string? encoding, int? maxSendSize)
    {
        var size = message.CalculateSize();
        CheckSendSize(size, maxSendSize);
        if (encoding is null or GrpcCompression.Identity)
        {
            var framed = new byte[MessageFraming.HeaderSize + size];
            MessageFraming.WriteHeader(framed, compressed: false, size);
            message.WriteTo(framed.AsSpan(MessageFraming.HeaderSize));
            return framed;
        }

        var compressed = GrpcCompression.Compress(encoding, message.ToByteArray());
        var result = new byte[MessageFraming.HeaderSize + compressed.Length];
        MessageFraming.WriteHeader(result, compressed: true, compressed.Length);
        compressed.CopyTo(result.AsSpan(MessageFraming.HeaderSize));
        return result;
    }

    public static void CheckSendSize(int size, int? maxSendSize)
    {
        if (maxSendSize is { } max && size > max)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Sent message larger than max ({size} vs. {max})");
        }
    }
}
