using Crdt.Core;
using Crdt.Replica.Internal.Storage;

namespace Crdt.Replica;

/// <summary>
/// Snapshots that wait behind their documents' own ops (issue 18: a local edit writes its op and
/// re-encodes its document's snapshot only every so many ops). Nothing is at risk while they wait:
/// the ops are in the log and a load replays them. Folding them in keeps loads short and gives a
/// backup, or anything reading the documents table, current snapshots.
/// </summary>
public sealed partial class DeviceReplica
{
    /// <summary>
    /// Writes the current snapshot of every document with own ops above its stored snapshot: those
    /// in memory and, with <paramref name="wholeFile"/>, those left so by a process that ended
    /// without closing (loaded first). One transaction. Caller holds the lock.
    /// </summary>
    private void FoldSnapshotTails(bool wholeFile)
    {
        try
        {
            if (wholeFile)
            {
                foreach (var (collection, docId) in _store.DocumentsWithTails())
                {
                    _memory.Load(new DocumentKey(collection, docId));
                }
            }
            _store.SaveSnapshots(_memory.SnapshotsBehind());
        }
        catch
        {
            // Memory counted the snapshots as written: reload from the file, which is the truth.
            ResetMemory();
            throw;
        }
    }

    /// <summary>On close: a failure here loses nothing (the ops are in the log), so it does not stop the close.</summary>
    private void FoldSnapshotTailsOnClose()
    {
        try
        {
            FoldSnapshotTails(wholeFile: false);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or ReplicaStorageException)
        {
            // The next open replays the tails instead.
        }
    }
}
