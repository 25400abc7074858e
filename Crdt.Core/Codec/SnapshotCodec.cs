using Crdt.Core.Merge;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Codec;

/// <summary>
/// Writes a document's state as a <c>DocumentSnapshot</c> (optionally only what a peer with a
/// given version vector lacks; see <see cref="SnapshotEncoder"/>) and reads one back, in the
/// current compact form or the older one (dots, Hlc and FieldValue messages per write), through
/// <see cref="SnapshotReader"/>. Merging validates the whole message first and changes
/// nothing when any part is invalid.
/// </summary>
internal static class SnapshotCodec
{
    public static Wire.DocumentSnapshot Encode(DocumentState state, VersionVector? peer) => SnapshotEncoder.Encode(state, peer);

    /// <summary>The bytes of <see cref="Encode"/>'s message, written through a message reused per thread.</summary>
    public static byte[] EncodeToBytes(DocumentState state, VersionVector? peer) => SnapshotEncoder.EncodeToBytes(state, peer);

    public static Wire.DocumentSnapshot Parse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return Wire.DocumentSnapshot.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OpDecodeException($"the {bytes.Length} bytes are not a valid DocumentSnapshot message (truncated or malformed protobuf: {e.Message})", e);
        }
    }

    /// <summary>A validated snapshot, ready to merge: nothing here can fail half-way.</summary>
    internal sealed class Parsed
    {
        public required DocumentKey Key { get; init; }
        public required List<Op> Ops { get; init; }
        /// <summary>Every op record, each dot once, in the snapshot's order (sorted by dot when the encoder wrote it).</summary>
        public required List<OpRecord> Records { get; init; }
        /// <summary>How many of <see cref="Records"/> each op run holds, in order (a run's records share replica, context, author and kind, sequences ascending).</summary>
        public int[] RunLengths { get; init; } = [];
        public required List<(string Field, Write Write)> Fields { get; init; }
        public required List<(string Set, string Id, List<CausalRecord> Adds, List<CausalRecord> Removes, List<(string Field, Write Write)> Fields)> Elements { get; init; }
        public required List<(string FlagId, ResolutionState Resolution)> Resolutions { get; init; }
        public required Hlc MaxHlc { get; init; }
        /// <summary>The compacted base the snapshot stands for (null when the document was never compacted).</summary>
        public VersionVector? Base { get; init; }
        /// <summary>With a base in a delta: the peer version it was computed for (ops the peer keeps its own copy of).</summary>
        public VersionVector? DeltaPeer { get; init; }
        /// <summary>
        /// The thread's spare lists the result was read into (see <see cref="SnapshotReader.Spare"/>), null when its
        /// lists are its own: to be returned once the result is merged, after which it must not be read.
        /// </summary>
        public SnapshotReader.Spare? Borrowed { get; init; }
    }

    /// <summary>Reads and validates the whole message (see <see cref="SnapshotReader"/>); throws before anything is merged.</summary>
    public static Parsed Validate(Wire.DocumentSnapshot message) => SnapshotReader.Read(message);

    /// <summary>
    /// Reads and validates snapshot bytes straight from the wire (<see cref="SnapshotWireReader"/>, no
    /// generated message object); the rare message that repeats a singular sub-message goes through the
    /// generated parser, which merges such repeats. Throws <see cref="OpDecodeException"/> before anything is merged.
    /// </summary>
    public static Parsed Read(ReadOnlySpan<byte> bytes) =>
        SnapshotReader.Read(SnapshotWireReader.Read(bytes) ?? SnapshotParts.FromWire(Parse(bytes)));

    /// <summary>
    /// As <see cref="Read"/>, into the thread's spare lists (<see cref="Parsed.Borrowed"/>): for a caller that merges
    /// the result at once and then returns them; on an error they are returned here.
    /// </summary>
    public static Parsed ReadReusing(ReadOnlySpan<byte> bytes)
    {
        var spare = SnapshotReader.Spare.Take();
        try
        {
            return SnapshotReader.Read(SnapshotWireReader.Read(bytes) ?? SnapshotParts.FromWire(Parse(bytes)), spare);
        }
        catch
        {
            spare.Return();
            throw;
        }
    }
}
