using Crdt.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Replica.Internal.Sync;

/// <summary>What a pull stream delivered since the last checkpoint, applied together.</summary>
internal sealed class ReceivedBatch
{
    /// <summary>The ops, each with the bytes it arrived as when the transport kept them (else null).</summary>
    public List<ReceivedOp> Ops { get; } = [];

    public List<Wire.DocumentSnapshot> Snapshots { get; } = [];

    public List<(string Collection, string DocId)> LeftScope { get; } = [];

    public int Items => Ops.Count + Snapshots.Count + LeftScope.Count;

    public long Bytes { get; private set; }

    /// <summary>Adds one stream item; returns the checkpoint when the item is one.</summary>
    public Wire.Checkpoint? Add(Wire.PullResponse item)
    {
        Bytes += item.CalculateSize();
        switch (item.ItemCase)
        {
            case Wire.PullResponse.ItemOneofCase.Op:
                Ops.Add(new ReceivedOp(item.Op, item.ReceivedOpBytes));
                return null;
            case Wire.PullResponse.ItemOneofCase.Document:
                Snapshots.Add(item.Document);
                return null;
            case Wire.PullResponse.ItemOneofCase.LeftScope:
                LeftScope.Add((item.LeftScope.Collection, item.LeftScope.Id));
                return null;
            case Wire.PullResponse.ItemOneofCase.Checkpoint:
                return item.Checkpoint;
            default:
                // A newer relay may send items this build does not know; skipping them is safe
                // because the cursor only advances at checkpoints.
                return null;
        }
    }

    /// <summary>The documents the batch touches (validated keys only).</summary>
    public List<DocumentKey> Keys()
    {
        var keys = new HashSet<DocumentKey>();
        foreach (var (op, _) in Ops)
        {
            if (op.Document is { } key && DocumentKey.IsValid(key.Collection, key.Id, out _))
            {
                keys.Add(new DocumentKey(key.Collection, key.Id));
            }
        }
        foreach (var snapshot in Snapshots)
        {
            if (DocumentKey.IsValid(snapshot.Collection, snapshot.Id, out _))
            {
                keys.Add(new DocumentKey(snapshot.Collection, snapshot.Id));
            }
        }
        return [.. keys];
    }
}

/// <summary>A received op: the parsed message and, when known, its bytes exactly as received.</summary>
internal readonly record struct ReceivedOp(Wire.Op Message, byte[]? Bytes);
