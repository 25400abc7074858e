using Crdt.Core.Merge;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Codec;

/// <summary>
/// Encoding straight to bytes with one <c>DocumentSnapshot</c> message per thread, emptied and reused:
/// a new message builds twenty-odd empty repeated fields (about 900 bytes) and then grows their arrays
/// value by value, which for the small deltas of a sync (W3 sends 2,000 of a few hundred bytes) costs as
/// much as filling them. The bytes are copied out of the message before it is emptied.
/// </summary>
internal sealed partial class SnapshotEncoder
{
    // A message whose encoding was larger than this is dropped after use rather than kept with its grown arrays.
    private const int ReusableMessageBytes = 64 * 1024;

    // The emptied message kept for the next EncodeToBytes on this thread (null while one is in use).
    private Wire.DocumentSnapshot? _spareMessage;

    /// <summary>The same bytes as <see cref="Encode"/> followed by <c>ToByteArray</c>.</summary>
    public static byte[] EncodeToBytes(DocumentState state, VersionVector? peer)
    {
        // As in Encode: taken out while in use, put back only after a clean finish.
        var encoder = t_reusable ?? new SnapshotEncoder();
        t_reusable = null;
        var message = encoder._spareMessage ?? new Wire.DocumentSnapshot();
        encoder._spareMessage = null;
        var bytes = encoder.EncodeOnce(state, peer, message).ToByteArray();
        if (bytes.Length <= ReusableMessageBytes)
        {
            Empty(message);
            encoder._spareMessage = message;
        }
        if (encoder.Reset())
        {
            t_reusable = encoder;
        }
        return bytes;
    }

    /// <summary>
    /// Sets every field of <paramref name="message"/> back to its default (repeated fields keep their arrays).
    /// Every field of DocumentSnapshot must be here: a test fills all of them through the descriptor and checks
    /// that the emptied message equals a new one, so a field added to ops.proto and missed here fails it.
    /// </summary>
    internal static void Empty(Wire.DocumentSnapshot message)
    {
        message.Collection = "";
        message.Id = "";
        Empty(message.Ops);
        message.Version = 0;
        Empty(message.Runs);
        Empty(message.Fields);
        Empty(message.Elements);
        Empty(message.Resolutions);
        Empty(message.Replicas);
        Empty(message.Names);
        message.HlcBaseMs = 0;
        message.StampShift = 0;
        message.CompactedBase = null;
        message.CompactedMaxHlc = null;
        message.DeltaPeerVersion = null;
        Empty(message.WriteNames);
        Empty(message.WriteOps);
        Empty(message.WriteStamps);
        Empty(message.WriteIndexes);
        Empty(message.WriteKinds);
        Empty(message.WriteIntegers);
        Empty(message.StringLengths);
        message.StringBytes = ByteString.Empty;
        Empty(message.ElementShapes);
        Empty(message.ElementShapeRefs);
        Empty(message.ElementAdds);
        Empty(message.ElementStamps);
        Empty(message.ElementIndexes);
        Empty(message.ElementIntegers);
    }

    /// <summary>
    /// Empties a repeated field that holds anything: RepeatedField.Clear always calls the untyped Array.Clear,
    /// and a snapshot empties some thirty fields (ten per element of the record columns), most of them empty.
    /// </summary>
    private static void Empty<T>(RepeatedField<T> field)
    {
        if (field.Count > 0)
        {
            field.Clear();
        }
    }
}
