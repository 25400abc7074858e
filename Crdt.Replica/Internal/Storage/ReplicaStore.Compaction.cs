using Crdt.Core;
using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Internal.Storage;

/// <summary>Bounded history on the device (README "Bounded history"): what compaction reads and writes in the file.</summary>
internal sealed partial class ReplicaStore
{
    /// <summary>Documents compaction may fold: not those that left the scope (they may miss ops the horizon covers, and leave soon anyway).</summary>
    public IReadOnlyList<(string Collection, string DocId)> CompactableDocumentKeys()
    {
        using var command = _database.Command("SELECT collection, doc_id FROM documents WHERE leave_when_synced = 0 ORDER BY collection, doc_id");
        return command.ReadAll(SqliteRows.DocumentKey);
    }

    /// <summary>Dots that must stay in the op log whatever the horizon says: pending (outbox) and refused ops, which only this file holds.</summary>
    public HashSet<(string Replica, long Seq)> UnsyncedDots()
    {
        using var command = _database.Command("SELECT replica, seq FROM outbox UNION SELECT replica, seq FROM refused");
        return command.ReadAll(reader => (reader.GetString(0), reader.GetInt64(1))).ToHashSet();
    }

    /// <summary>
    /// One batch of compaction, in one transaction: the documents' compacted snapshots replace their
    /// rows, and the op log rows of <paramref name="documents"/> that <paramref name="stable"/> covers
    /// leave the log, except <paramref name="keep"/> (pending and refused ops) and this replica's newest
    /// op (its sequence and clock continue from it, and a backup restores them from it). A crash leaves
    /// the batch either as it was or compacted. Returns how many op rows left.
    /// </summary>
    public int CommitCompaction(IReadOnlyList<DocumentChange> changes, IReadOnlyList<(string Collection, string DocId)> documents,
        VersionVector stable, string ownReplica, IReadOnlySet<(string Replica, long Seq)> keep) => Write("compact", tx =>
        {
            foreach (var change in changes)
            {
                SaveDocument(change, tx);
            }
            var newestOwn = NewestOp(ownReplica, tx)?.Seq ?? 0;
            var leaving = new List<(string Replica, long Seq)>();
            foreach (var (collection, docId) in documents)
            {
                var rows = _database.Prepared("SELECT replica, seq FROM op_log WHERE collection = $c AND doc_id = $d", tx);
                rows.Parameters.AddWithValue("$c", collection);
                rows.Parameters.AddWithValue("$d", docId);
                foreach (var (replica, seq) in rows.ReadAll(reader => (reader.GetString(0), reader.GetInt64(1))))
                {
                    if (stable.Get(new ReplicaId(replica)) >= seq && !keep.Contains((replica, seq)) && !(replica == ownReplica && seq == newestOwn))
                    {
                        leaving.Add((replica, seq));
                    }
                }
            }
            if (leaving.Count > 0)
            {
                RememberNewestOps(documents, tx);
            }
            foreach (var (replica, seq) in leaving)
            {
                var delete = _database.Prepared("DELETE FROM op_log WHERE replica = $a AND seq = $s", tx);
                delete.Parameters.AddWithValue("$a", replica);
                delete.Parameters.AddWithValue("$s", seq);
                delete.ExecuteNonQuery();
            }
            return leaving.Count;
        });

    /// <summary>The file's size in bytes as SQLite counts it (pages in use and free, the WAL's committed pages included).</summary>
    public long FileBytes()
    {
        using var pages = _database.Command("PRAGMA page_count");
        using var size = _database.Command("PRAGMA page_size");
        return (long)pages.ExecuteScalar()! * (long)size.ExecuteScalar()!;
    }

    /// <summary>
    /// Gives the pages compaction freed back to the file system: the WAL is checkpointed, and the file
    /// rewritten (VACUUM, crash-safe: SQLite journals it) when over a quarter of it is free pages.
    /// </summary>
    public void Reclaim()
    {
        try
        {
            _database.Checkpoint();
            using var free = _database.Command("PRAGMA freelist_count");
            using var pages = _database.Command("PRAGMA page_count");
            if ((long)free.ExecuteScalar()! * 4 > (long)pages.ExecuteScalar()!)
            {
                using var vacuum = _database.Command("VACUUM");
                vacuum.ExecuteNonQuery();
                _database.Checkpoint();
            }
        }
        catch (SqliteException ex)
        {
            throw StorageErrors.From(ex, _database.Path, "reclaim space after compaction");
        }
    }
}
