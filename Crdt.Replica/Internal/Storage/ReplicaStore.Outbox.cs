using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Internal.Storage;

internal sealed partial class ReplicaStore
{
    /// <summary>
    /// The oldest unacknowledged ops one person made, at most <paramref name="maxOps"/> and about
    /// <paramref name="maxBytes"/> (at least one op, so a single large op still goes out).
    /// With <paramref name="after"/>, only ops after that dot: reading the whole outbox in batches
    /// without acknowledging any (a device-to-device exchange leaves the outbox to the relay).
    /// </summary>
    public IReadOnlyList<StoredOp> OutboxBatch(string userName, int maxOps, long maxBytes, (string Replica, long Seq)? after = null)
    {
        using var command = _database.Command(
            $"""
            SELECT o.replica, o.seq, o.collection, o.doc_id, l.op
            FROM outbox o JOIN op_log l ON l.replica = o.replica AND l.seq = o.seq
            WHERE o.user_name = $u {(after is null ? "" : "AND (o.replica, o.seq) > ($ar, $as)")}
            ORDER BY o.replica, o.seq LIMIT $n
            """);
        command.Parameters.AddWithValue("$u", userName);
        command.Parameters.AddWithValue("$n", maxOps);
        if (after is { } dot)
        {
            command.Parameters.AddWithValue("$ar", dot.Replica);
            command.Parameters.AddWithValue("$as", dot.Seq);
        }
        var batch = new List<StoredOp>();
        long bytes = 0;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var op = SqliteRows.Op(reader);
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
    public IReadOnlyList<(string Collection, string DocId)> Acknowledge(IReadOnlyList<StoredOp> ops) =>
        Write("acknowledge pushed ops", tx =>
        {
            foreach (var op in ops)
            {
                var command = _database.Prepared("DELETE FROM outbox WHERE replica = $a AND seq = $s", tx);
                command.Parameters.AddWithValue("$a", op.Replica);
                command.Parameters.AddWithValue("$s", op.Seq);
                command.ExecuteNonQuery();
            }
            return DropLeftDocumentsWithoutPending(tx);
        });

    /// <summary>Number of ops waiting to be pushed, everyone's.</summary>
    public long PendingCount()
    {
        if (_pendingTotal is { } known)
        {
            return known;
        }
        using var command = _database.Command("SELECT COUNT(*) FROM outbox");
        var counted = (long)command.ExecuteScalar()!;
        _pendingTotal = counted;
        return counted;
    }

    /// <summary>Number of ops this person made that wait to be pushed.</summary>
    public long PendingCount(string userName)
    {
        using var command = _database.Command("SELECT COUNT(*) FROM outbox WHERE user_name = $u");
        command.Parameters.AddWithValue("$u", userName);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Pending op count per person (several people may share a device).</summary>
    public IReadOnlyDictionary<string, long> PendingByUser()
    {
        using var command = _database.Command("SELECT user_name, COUNT(*) FROM outbox GROUP BY user_name");
        return command.ReadAll(reader => (User: reader.GetString(0), Count: reader.GetInt64(1)))
            .ToDictionary(row => row.User, row => row.Count, StringComparer.Ordinal);
    }

    /// <summary>Dots still in the outbox, with who made them (tests and backups).</summary>
    public IReadOnlyList<PendingDot> OutboxDots()
    {
        using var command = _database.Command("SELECT replica, seq, user_name FROM outbox ORDER BY replica, seq");
        return command.ReadAll(reader => new PendingDot(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
    }

    /// <summary>
    /// The relay says these documents left the device's scope. Each is dropped now if none of
    /// its edits are pending, else marked and dropped when they are acknowledged.
    /// Returns the keys dropped now.
    /// </summary>
    public IReadOnlyList<(string Collection, string DocId)> LeaveScope(IReadOnlyList<(string Collection, string DocId)> keys) =>
        Write("drop documents that left the scope", tx => MarkLeftScope(keys, tx));

    private List<(string Collection, string DocId)> MarkLeftScope(IReadOnlyList<(string Collection, string DocId)> keys, SqliteTransaction tx)
    {
        foreach (var (collection, docId) in keys)
        {
            using var command = _database.Command(
                "UPDATE documents SET leave_when_synced = 1 WHERE collection = $c AND doc_id = $d", tx);
            command.Parameters.AddWithValue("$c", collection);
            command.Parameters.AddWithValue("$d", docId);
            command.ExecuteNonQuery();
        }
        return DropLeftDocumentsWithoutPending(tx);
    }

    private List<(string Collection, string DocId)> DropLeftDocumentsWithoutPending(SqliteTransaction tx)
    {
        List<(string Collection, string DocId)> dropped;
        using (var select = _database.Command(
            """
            SELECT d.collection, d.doc_id FROM documents d
            WHERE d.leave_when_synced = 1
              AND NOT EXISTS (
                  SELECT 1 FROM op_log l JOIN outbox o ON o.replica = l.replica AND o.seq = l.seq
                  WHERE l.collection = d.collection AND l.doc_id = d.doc_id)
              -- A refused edit stays until the user discards it: its document is not dropped under it.
              AND NOT EXISTS (SELECT 1 FROM refused r WHERE r.collection = d.collection AND r.doc_id = d.doc_id)
            """, tx))
        {
            dropped = select.ReadAll(SqliteRows.DocumentKey);
        }
        if (dropped.Count > 0)
        {
            RememberNewestOps(dropped, tx);
        }
        foreach (var (collection, docId) in dropped)
        {
            foreach (var table in new[] { "documents", "op_log", "flags", "pinned" })
            {
                using var delete = _database.Command($"DELETE FROM {table} WHERE collection = $c AND doc_id = $d", tx);
                delete.Parameters.AddWithValue("$c", collection);
                delete.Parameters.AddWithValue("$d", docId);
                delete.ExecuteNonQuery();
            }
        }
        return dropped;
    }
}
