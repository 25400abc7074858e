using Core = Crdt.Core;

namespace Crdt.Core.Wire;

/// <summary>
/// Core types to the generated ops.proto messages and back, for the services and clients that hold
/// messages (a Push request, a stream item, a documents view). It lives with the contract so that
/// Crdt.Core's public API speaks only bytes and Core types: the message form of an op or a snapshot
/// is the contract's, and Core's snapshot format stays Core's to change.
/// </summary>
public static class CoreMessages
{
    /// <summary>The <c>crdtfieldstore.v1.Op</c> message of <paramref name="op"/> (the bytes of
    /// <see cref="Core.OpCodec.Encode"/> decode to the same op).</summary>
    public static Op ToMessage(Core.Op op) => Core.OpCodec.ToMessage(op);

    /// <summary>Validates an op message and converts it; throws <see cref="Core.OpDecodeException"/> naming the bad part.</summary>
    public static Core.Op ToOp(Op message) => Core.OpCodec.FromMessage(message);

    /// <summary>The value as its <c>crdtfieldstore.v1.FieldValue</c> message (for services that build wire views).</summary>
    public static FieldValue ToMessage(Core.FieldValue value) => value.ToMessage();

    /// <summary>The document's snapshot (or, with <paramref name="peerVersion"/>, the delta a peer at
    /// that version lacks) as a message, to send with fields of its own (such as a version).</summary>
    public static DocumentSnapshot SnapshotMessage(Core.DocumentSet documents, Core.DocumentKey key, Core.VersionVector? peerVersion = null)
    {
        ArgumentNullException.ThrowIfNull(documents);
        return documents.ToSnapshotMessage(key, peerVersion);
    }

    /// <summary>The <c>crdtfieldstore.v1.VersionVector</c> message of <paramref name="vector"/> (a checkpoint's stable horizon).</summary>
    public static VersionVector ToMessage(Core.VersionVector vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        return Core.Codec.WireConvert.ToMessage(vector);
    }

    /// <summary>Validates a version vector message and converts it (empty for null); throws <see cref="Core.OpDecodeException"/> naming the bad entry.</summary>
    public static Core.VersionVector ToVersionVector(VersionVector? message, string what) =>
        Core.Codec.WireConvert.FromMessage(message, what);

    /// <summary>Merges a snapshot message as <see cref="Core.DocumentSet.MergeSnapshot(ReadOnlySpan{byte})"/>
    /// merges its bytes: idempotent, nothing changed on a bad one. Returns whether anything was new.</summary>
    public static bool MergeSnapshot(Core.DocumentSet documents, DocumentSnapshot message)
    {
        ArgumentNullException.ThrowIfNull(documents);
        return documents.MergeSnapshot(message);
    }
}
