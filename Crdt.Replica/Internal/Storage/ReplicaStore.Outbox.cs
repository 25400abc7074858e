using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Internal.Storage;

internal sealed partial class ReplicaStore
{
    /// <summary>
    /// The oldest unacknowledged ops of one author, at most <paramref name="maxOps"/> and about
    /// <paramref name="maxBytes"/> (at least one op, so a single large op still goes out).
    /// </summary>
    public IReadOnlyList<StoredOp> OutboxBatch(string author, int maxOps, long maxBytes)
    {
        using var command = database.Command(
            """
            SELECT o.author, o.seq, o.collection, o.doc_id, l.op
            FROM outbox o JOIN op_log l ON l.author = o.author AND l.seq = o.seq
            WHERE o.author = $a ORDER BY o.seq LIMIT $n
            """);
        command.Parameters.AddWithValue("$a", author);
        command.Parameters.AddWithValue("$n", maxOps);
        var batch = new List<StoredOp>();
        long bytes = 0;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var op = new StoredOp(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), (byte[])reader[4]);
            if (batch.Count > 0 && bytes + op.Bytes.Length > maxBytes)
            {
                break;
            }
            bytes += op.Bytes.Length;
            batch.Add(op);
        }
        return batch;
    }

    /// <summary>
    /// The relay stored these ops: they leave the outbox. Documents that left the scope and
    /// now have no pending edits are dropped in the same transaction. Returns the dropped keys.
    /// </summary>
    public IReadOnlyList<(string Collection, string DocId)> Acknowledge(string author, IReadOnlyCollection<long> seqs) =>
        Write("acknowledge pushed ops", tx =>
        {
            foreach (var seq in seqs)
            {
                using var command = database.Command("DELETE FROM outbox WHERE author = $a AND seq = $s", tx);
                command.Parameters.AddWithValue("$a", author);
                command.Parameters.AddWithValue("$s", seq);
                command.ExecuteNonQuery();
            }
            return DropLeftDocumentsWithoutPending(tx);
        });

    /// <summary>Number of ops waiting to be pushed, all authors.</summary>
    public long PendingCount()
    {
        using var command = database.Command("SELECT COUNT(*) FROM outbox");
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Pending op count and bytes per author (several users may share a device).</summary>
    public IReadOnlyDictionary<string, (long Ops, long Bytes)> PendingByAuthor()
    {
        using var command = database.Command("SELECT author, COUNT(*), SUM(bytes) FROM outbox GROUP BY author");
        var result = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        }
        return result;
    }

    /// <summary>Dots still in the outbox (tests and backups).</summary>
    public IReadOnlyList<(string Author, long Seq)> OutboxDots()
    {
        using var command = database.Command("SELECT author, seq FROM outbox ORDER BY author, seq");
        var dots = new List<(string, long)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            dots.Add((reader.GetString(0), reader.GetInt64(1)));
        }
        return dots;
    }

    /// <summary>Puts ops back in the outbox (backup import): only dots present in the op log.</summary>
    internal void RequeueInOutbox(IReadOnlyList<StoredOp> ops, SqliteTransaction tx)
    {
        foreach (var op in ops)
        {
            using var command = database.Command(
                "INSERT OR IGNORE INTO outbox(author, seq, collection, doc_id, bytes) VALUES($a, $s, $c, $d, $b)", tx);
            command.Parameters.AddWithValue("$a", op.Author);
            command.Parameters.AddWithValue("$s", op.Seq);
            command.Parameters.AddWithValue("$c", op.Collection);
            command.Parameters.AddWithValue("$d", op.DocId);
            command.Parameters.AddWithValue("$b", op.Bytes.Length);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// The relay says these documents left the device's scope. Each is dropped now if none of
    /// its edits are pending, else marked and dropped when they are acknowledged.
    /// Returns the keys dropped now.
    /// </summary>
    public IReadOnlyList<(string Collection, string DocId)> LeaveScope(IReadOnlyList<(string Collection, string DocId)> keys) =>
        Write("drop documents that left the scope", tx =>
        {
            foreach (var (collection, docId) in keys)
            {
                using var command = database.Command(
                    "UPDATE documents SET leave_when_synced = 1 WHERE collection = $c AND doc_id = $d", tx);
                command.Parameters.AddWithValue("$c", collection);
                command.Parameters.AddWithValue("$d", docId);
                command.ExecuteNonQuery();
            }
            return DropLeftDocumentsWithoutPending(tx);
        });

    private List<(string Collection, string DocId)> DropLeftDocumentsWithoutPending(SqliteTransaction tx)
    {
        var dropped = new List<(string, string)>();
        using (var select = database.Command(
            """
            SELECT d.collection, d.doc_id FROM documents d
            WHERE d.leave_when_synced = 1
              AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.collection = d.collection AND o.doc_id = d.doc_id)
            """, tx))
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                dropped.Add((reader.GetString(0), reader.GetString(1)));
            }
        }
        foreach (var (collection, docId) in dropped)
        {
            foreach (var table in new[] { "documents", "op_log", "flags", "pinned" })
            {
                using var delete = database.Command($"DELETE FROM {table} WHERE collection = $c AND doc_id = $d", tx);
                delete.Parameters.AddWithValue("$c", collection);
                delete.Parameters.AddWithValue("$d", docId);
                delete.ExecuteNonQuery();
            }
        }
        return dropped;
    }
}
