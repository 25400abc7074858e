using Crdt.Core.Codec;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core;

/// <summary>
/// Encodes ops as the protobuf <c>crdtfieldstore.v1.Op</c> message (ops.proto) and decodes
/// them back. Decoding is the trust boundary: bytes become a validated <see cref="Op"/> or an
/// <see cref="OpDecodeException"/> that says what is wrong, never another exception.
/// </summary>
public static class OpCodec
{
    /// <summary>
    /// The op's protobuf bytes, written directly (no intermediate message objects). Deterministic:
    /// the same op gives the same bytes. Equal to <c>ToMessage(op).ToByteArray()</c> except that an
    /// empty context is left out (both decode to the same op).
    /// </summary>
    public static byte[] Encode(Op op)
    {
        ArgumentNullException.ThrowIfNull(op);
        return OpWriter.Write(op);
    }

    /// <summary>Decodes and validates an op; throws <see cref="OpDecodeException"/> on garbage, truncated or invalid input.</summary>
    public static Op Decode(ReadOnlySpan<byte> bytes)
    {
        Wire.Op message;
        try
        {
            message = Wire.Op.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OpDecodeException($"the {bytes.Length} bytes are not a valid Op message (truncated or malformed protobuf: {e.Message})", e);
        }
        return FromMessage(message);
    }

    /// <summary>The protobuf message for <paramref name="op"/>.</summary>
    internal static Wire.Op ToMessage(Op op)
    {
        ArgumentNullException.ThrowIfNull(op);
        var message = new Wire.Op
        {
            Dot = WireConvert.ToMessage(op.Dot),
            Hlc = new Wire.Hlc { WallMs = op.Hlc.WallMs, Counter = (uint)op.Hlc.Counter },
            Author = op.Author,
            Document = WireConvert.ToMessage(op.Document),
            Context = WireConvert.ToMessage(op.Context),
        };
        foreach (var mutation in op.Mutations)
        {
            message.Mutations.Add(WireConvert.ToMessage(mutation));
        }
        return message;
    }

    /// <summary>Validates a protobuf op and converts it; throws <see cref="OpDecodeException"/> naming the bad part.</summary>
    internal static Op FromMessage(Wire.Op message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var dot = WireConvert.FromMessage(message.Dot, "op dot");
        if (message.Hlc is null)
        {
            throw new OpDecodeException($"op {dot}: the hlc is missing");
        }
        if (message.Hlc.Replica.Length > 0 && message.Hlc.Replica != dot.Replica.Value)
        {
            throw new OpDecodeException($"op {dot}: the hlc replica '{message.Hlc.Replica}' differs from the dot's");
        }
        if (message.Hlc.Counter > Hlc.MaxCounter)
        {
            throw new OpDecodeException($"op {dot}: the hlc counter {message.Hlc.Counter} is above {Hlc.MaxCounter}");
        }
        var hlc = new Hlc(message.Hlc.WallMs, (int)message.Hlc.Counter, dot.Replica);
        var document = WireConvert.FromMessage(message.Document, Where.InOp(dot, "document"));
        var context = WireConvert.FromMessage(message.Context, Where.InOp(dot, "context"));
        if (message.Mutations.Count == 0)
        {
            throw new OpDecodeException($"op {dot} on {document}: it has no mutations");
        }
        var mutations = new Mutation[message.Mutations.Count];
        for (var i = 0; i < mutations.Length; i++)
        {
            mutations[i] = WireConvert.FromMessage(message.Mutations[i], Where.InMutation(dot, document, i));
        }
        return new Op(dot, hlc, message.Author, document, context, mutations);
    }
}
