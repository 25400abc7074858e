using Crdt.Core.Merge;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Codec;

/// <summary>
/// The snapshot as a generated <c>DocumentSnapshot</c> message, for callers that want the message (the contract
/// layer, the state-size measure). <see cref="EncodeToBytes"/> writes the same bytes without it; a property test
/// holds the two to the same bytes.
/// </summary>
internal sealed partial class SnapshotEncoder
{
    public static Wire.DocumentSnapshot Encode(DocumentState state, VersionVector? peer)
    {
        var encoder = Take();
        encoder.Collect(state, peer);
        var snapshot = encoder.ToMessage(state, peer);
        encoder.Release();
        return snapshot;
    }

    /// <summary>A new message holding what <see cref="Collect"/> gathered (the messages of the rarer sections are handed over, not copied).</summary>
    private Wire.DocumentSnapshot ToMessage(DocumentState state, VersionVector? peer)
    {
        var message = new Wire.DocumentSnapshot { Collection = _key.Collection, Id = _key.Id };
        var numbers = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_runNumbers);
        foreach (var run in _runs)
        {
            var opRun = new Wire.OpRun { ReplicaRef = run.ReplicaRef, Kind = (Wire.OpRunKind)(int)run.Kind, AuthorRef = run.AuthorRef };
            foreach (var number in numbers.Slice(run.ContextStart, run.ContextLength))
            {
                opRun.ContextRefs.Add(number);
            }
            foreach (var number in numbers.Slice(run.SeqStart, run.SeqLength))
            {
                opRun.SeqDeltas.Add(number);
            }
            if (run.RiceLength > 0)
            {
                opRun.SeqRice = ByteString.CopyFrom(_riceBytes, run.RiceStart, run.RiceLength);
                opRun.SeqRiceK = run.RiceK;
            }
            message.Runs.Add(opRun);
        }
        message.Fields.AddRange(_fieldMessages);
        message.Elements.AddRange(_elementMessages);
        message.Resolutions.AddRange(_resolutions);
        message.Replicas.AddRange(_replicaTable);
        message.Names.AddRange(_nameTable);
        message.HlcBaseMs = _hlcBaseMs;
        message.StampShift = (uint)_stampShift;
        (message.CompactedBase, message.CompactedMaxHlc, message.DeltaPeerVersion) = CompactionParts(state, peer);
        message.WriteNames.AddRange(_writeNames);
        message.WriteOps.AddRange(_writeOps);
        foreach (var hlc in _columnStamps)
        {
            message.WriteStamps.Add(ColumnStamp(hlc));
        }
        if (_columnIndexes)
        {
            message.WriteIndexes.AddRange(_columnIndexList);
        }
        if (_columnKinds)
        {
            message.WriteKinds.AddRange(_columnKindList);
        }
        message.WriteIntegers.AddRange(_writeIntegers);
        if (_pool.Count > 0)
        {
            var total = 0;
            foreach (var text in _pool)
            {
                var length = System.Text.Encoding.UTF8.GetByteCount(text);
                message.StringLengths.Add((uint)length);
                total += length;
            }
            var bytes = new byte[total];
            var at = 0;
            foreach (var text in _pool)
            {
                at += System.Text.Encoding.UTF8.GetBytes(text, bytes.AsSpan(at));
            }
            message.StringBytes = UnsafeByteOperations.UnsafeWrap(bytes);
        }
        message.ElementShapes.AddRange(_elementShapes);
        message.ElementShapeRefs.AddRange(_elementShapeRefs);
        message.ElementAdds.AddRange(_elementAdds);
        foreach (var hlc in _elementStamps)
        {
            message.ElementStamps.Add(ColumnStamp(hlc));
        }
        if (_elementIndexes)
        {
            message.ElementIndexes.AddRange(_elementIndexList);
        }
        message.ElementIntegers.AddRange(_elementIntegers);
        return message;
    }
}
