using System.Runtime.InteropServices;
using Crdt.Core.Merge;
using W = Crdt.Core.Codec.SnapshotWireWriter;

namespace Crdt.Core.Codec;

/// <summary>
/// The snapshot's bytes written straight from the encoder's lists into one reused buffer: the same bytes
/// as <see cref="Encode"/> followed by <c>ToByteArray</c> (a property test holds them to it), without
/// building the message, copying every column into its repeated fields and walking it twice (once to size
/// it, once to write it). Fields go in field-number order, as the generated code writes them.
/// </summary>
internal sealed partial class SnapshotEncoder
{
    // An output buffer grown past this is dropped after use rather than kept for the next document.
    private const int ReusableOutputBytes = 256 * 1024;

    private readonly SnapshotWireWriter _output = new();
    // The string pool's UTF-8 lengths and the column stamps as written (reused lists).
    private readonly List<uint> _poolLengths = [];
    private readonly List<ulong> _stampValues = [];

    public static byte[] EncodeToBytes(DocumentState state, VersionVector? peer)
    {
        var encoder = Take();
        encoder.Collect(state, peer);
        var bytes = encoder.ToBytes(state, peer);
        encoder.Release();
        return bytes;
    }

    /// <summary>DocumentSnapshot's fields in number order (see ops.proto); 3 (ops) and 4 (version) are never written by this encoder.</summary>
    private byte[] ToBytes(DocumentState state, VersionVector? peer)
    {
        var output = _output;
        output.Clear();
        output.WriteStringField(1, _key.Collection);
        output.WriteStringField(2, _key.Id);
        WriteRuns(output);
        foreach (var write in _fieldMessages)
        {
            output.WriteMessageField(6, write);
        }
        foreach (var element in _elementMessages)
        {
            output.WriteMessageField(7, element);
        }
        foreach (var resolution in _resolutions)
        {
            output.WriteMessageField(8, resolution);
        }
        foreach (var replica in _replicaTable)
        {
            output.WriteRepeatedString(9, replica);
        }
        foreach (var name in _nameTable)
        {
            output.WriteRepeatedString(10, name);
        }
        output.WriteVarintField(11, (ulong)_hlcBaseMs);
        output.WriteVarintField(12, (uint)_stampShift);
        var (compactedBase, maxHlc, peerVersion) = CompactionParts(state, peer);
        if (compactedBase is not null)
        {
            output.WriteMessageField(13, compactedBase);
            output.WriteMessageField(14, maxHlc!);
            if (peerVersion is not null)
            {
                output.WriteMessageField(15, peerVersion);
            }
        }
        output.WritePacked(16, CollectionsMarshal.AsSpan(_writeNames));
        output.WritePacked(17, CollectionsMarshal.AsSpan(_writeOps));
        output.WritePacked(18, Stamps(_columnStamps));
        if (_columnIndexes)
        {
            output.WritePacked(19, CollectionsMarshal.AsSpan(_columnIndexList));
        }
        if (_columnKinds)
        {
            output.WritePacked(20, CollectionsMarshal.AsSpan(_columnKindList));
        }
        output.WritePackedSigned(22, CollectionsMarshal.AsSpan(_writeIntegers));
        WritePool(output);
        output.WritePacked(25, CollectionsMarshal.AsSpan(_elementShapes));
        output.WritePacked(26, CollectionsMarshal.AsSpan(_elementShapeRefs));
        output.WritePacked(27, CollectionsMarshal.AsSpan(_elementAdds));
        output.WritePacked(28, Stamps(_elementStamps));
        if (_elementIndexes)
        {
            output.WritePacked(29, CollectionsMarshal.AsSpan(_elementIndexList));
        }
        output.WritePackedSigned(30, CollectionsMarshal.AsSpan(_elementIntegers));
        return output.ToArray();
    }

    /// <summary>
    /// Field 5, one OpRun per run, its fields in number order: seq_deltas (2), kind (5), replica_ref (6),
    /// context_refs (7), author_ref (8), seq_rice (9), seq_rice_k (10). Its length goes first, so it is summed from the same parts.
    /// </summary>
    private void WriteRuns(SnapshotWireWriter output)
    {
        var numbers = CollectionsMarshal.AsSpan(_runNumbers);
        foreach (var run in _runs)
        {
            var sequence = numbers.Slice(run.SeqStart, run.SeqLength);
            var context = numbers.Slice(run.ContextStart, run.ContextLength);
            var sequenceSize = W.PackedSize(sequence);
            var contextSize = W.PackedSize(context);
            var size = (sequence.IsEmpty ? 0 : W.DelimitedSize(sequenceSize)) + W.VarintFieldSize(run.Kind) + W.VarintFieldSize(run.ReplicaRef)
                + (context.IsEmpty ? 0 : W.DelimitedSize(contextSize)) + W.VarintFieldSize(run.AuthorRef)
                + (run.RiceLength == 0 ? 0 : W.DelimitedSize(run.RiceLength)) + W.VarintFieldSize(run.RiceK);
            output.WriteTag(5, 2);
            output.WriteVarint((uint)size);
            if (!sequence.IsEmpty)
            {
                output.WriteTag(2, 2);
                output.WritePackedValues(sequence, sequenceSize);
            }
            output.WriteVarintField(5, run.Kind);
            output.WriteVarintField(6, run.ReplicaRef);
            if (!context.IsEmpty)
            {
                output.WriteTag(7, 2);
                output.WritePackedValues(context, contextSize);
            }
            output.WriteVarintField(8, run.AuthorRef);
            output.WriteBytesField(9, _riceBytes.AsSpan(run.RiceStart, run.RiceLength));
            output.WriteVarintField(10, run.RiceK);
        }
    }

    /// <summary>Fields 23 and 24: each pooled string's UTF-8 length in a packed column, then all their bytes in one field.</summary>
    private void WritePool(SnapshotWireWriter output)
    {
        if (_pool.Count == 0)
        {
            return;
        }
        var lengths = _poolLengths;
        lengths.Clear();
        var total = 0;
        foreach (var text in _pool)
        {
            var length = System.Text.Encoding.UTF8.GetByteCount(text);
            lengths.Add((uint)length);
            total += length;
        }
        output.WritePacked(23, CollectionsMarshal.AsSpan(lengths));
        if (total == 0)
        {
            return;
        }
        output.WriteTag(24, 2);
        output.WriteVarint((uint)total);
        var span = output.Room(total);
        var at = 0;
        foreach (var text in _pool)
        {
            at += System.Text.Encoding.UTF8.GetBytes(text, span[at..]);
        }
        output.Advance(total);
    }

    /// <summary>A stamp column as written (see <see cref="ColumnStamp"/>), in a reused list: valid until the next call.</summary>
    private ReadOnlySpan<ulong> Stamps(List<Hlc> stamps)
    {
        var values = _stampValues;
        values.Clear();
        foreach (var hlc in stamps)
        {
            values.Add(ColumnStamp(hlc));
        }
        return CollectionsMarshal.AsSpan(values);
    }
}
