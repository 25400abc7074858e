using Crdt.Core.Codec;

namespace Crdt.Core;

/// <summary>
/// Snapshot bytes already parsed and validated, ready for <see cref="DocumentSet.MergeSnapshot(PreparedSnapshot)"/>.
/// Preparing touches no set, so many snapshots can be prepared on several threads while one thread merges
/// them (a relay loading a checkpoint of thousands of documents does exactly that).
/// </summary>
public sealed class PreparedSnapshot
{
    private PreparedSnapshot(SnapshotCodec.Parsed parsed, int size)
    {
        Parsed = parsed;
        Size = size;
    }

    /// <summary>The document the snapshot is of.</summary>
    public DocumentKey Key => Parsed.Key;

    internal SnapshotCodec.Parsed Parsed { get; }

    internal int Size { get; }

    /// <summary>Parses and validates <paramref name="bytes"/>; throws <see cref="OpDecodeException"/> on garbage or invalid input.</summary>
    public static PreparedSnapshot Prepare(ReadOnlySpan<byte> bytes)
    {
        return new PreparedSnapshot(SnapshotCodec.Read(bytes), bytes.Length);
    }
}
