using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Internal.Storage;

/// <summary>An op the relay refused for good, with the relay's words (the op's bytes live in op_log).</summary>
internal sealed record StoredRefusal(string Replica, long Seq, string UserName, string Collection, string DocId,
    string Status, string Reason, long RefusedAtMs);

internal sealed partial class ReplicaStore
{
    /// <summary>
    /// The relay refused this op for good: it leaves the outbox for the refused list, in one
    /// transaction. The op stays in op_log, so what the user typed is still shown and can be exported.
    /// </summary>
    public void MoveToRefused(StoredOp op, string status, string reason, long refusedAtMs) => Write("move a refused edit out of the outbox", tx =>
    {
        using var command = _database.Command(
            """
            INSERT OR REPLACE INTO refused(replica, seq, user_name, collection, doc_id, status, reason, refused_at)
            SELECT replica, seq, user_name, collection, doc_id, $st, $r, $t FROM outbox WHERE replica = $a AND seq = $s;
            DELETE FROM outbox WHERE replica = $a AND seq = $s;
            """, tx);
        command.Parameters.AddWithValue("$a", op.Replica);
        command.Parameters.AddWithValue("$s", op.Seq);
        command.Parameters.AddWithValue("$st", status);
        command.Parameters.AddWithValue("$r", reason);
        command.Parameters.AddWithValue("$t", refusedAtMs);
        command.ExecuteNonQuery();
    });

    /// <summary>Every refused op, oldest first.</summary>
    public IReadOnlyList<StoredRefusal> Refusals()
    {
        using var command = _database.Command(
            "SELECT replica, seq, user_name, collection, doc_id, status, reason, refused_at FROM refused ORDER BY replica, seq");
        return command.ReadAll(reader => new StoredRefusal(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
            reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetInt64(7)));
    }

    public long RefusedCount()
    {
        using var command = _database.Command("SELECT COUNT(*) FROM refused");
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The op bytes of a refused op (null when the op log no longer holds it).</summary>
    public byte[]? OpBytes(string replica, long seq)
    {
        using var command = _database.Command("SELECT op FROM op_log WHERE replica = $a AND seq = $s");
        command.Parameters.AddWithValue("$a", replica);
        command.Parameters.AddWithValue("$s", seq);
        return command.ExecuteScalar() as byte[];
    }

    /// <summary>The user wants to try again (e.g. after the dispatcher widened their rights): back to the outbox.</summary>
    public bool RetryRefused(string replica, long seq) => Write("put a refused edit back in the outbox", tx =>
    {
        using var command = _database.Command(
            """
            INSERT OR IGNORE INTO outbox(replica, seq, user_name, collection, doc_id, bytes)
            SELECT r.replica, r.seq, r.user_name, r.collection, r.doc_id, length(l.op)
            FROM refused r JOIN op_log l ON l.replica = r.replica AND l.seq = r.seq
            WHERE r.replica = $a AND r.seq = $s;
            """, tx);
        command.Parameters.AddWithValue("$a", replica);
        command.Parameters.AddWithValue("$s", seq);
        var moved = command.ExecuteNonQuery() > 0;
        DeleteRefusal(replica, seq, tx);
        return moved;
    });

    /// <summary>
    /// The user gave up on a refused op: it leaves the refused list and the op log, and the
    /// document is rebuilt from the ops still in the log (<paramref name="rebuilt"/>: null when
    /// none are left, so the document goes). Every pull cursor is reset, so the next sync brings
    /// the relay's copy of the document back in full. The sequence is set aside first: a dot is
    /// never reused. Returns false when no such refused op exists.
    /// </summary>
    public bool DiscardRefused(StoredRefusal refusal, Func<IReadOnlyList<StoredOp>, DocumentChange?> rebuilt) => Write("discard a refused edit", tx =>
    {
        if (!DeleteRefusal(refusal.Replica, refusal.Seq, tx))
        {
            return false;
        }
        using (var sequence = _database.Command(
            """
            INSERT INTO local_sequence(replica, last_seq) VALUES($a, $s)
            ON CONFLICT(replica) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)
            """, tx))
        {
            sequence.Parameters.AddWithValue("$a", refusal.Replica);
            sequence.Parameters.AddWithValue("$s", refusal.Seq);
            sequence.ExecuteNonQuery();
        }
        using (var delete = _database.Command("DELETE FROM op_log WHERE replica = $a AND seq = $s", tx))
        {
            delete.Parameters.AddWithValue("$a", refusal.Replica);
            delete.Parameters.AddWithValue("$s", refusal.Seq);
            delete.ExecuteNonQuery();
        }
        using (var ops = _database.Command(
            "SELECT replica, seq, collection, doc_id, op FROM op_log WHERE collection = $c AND doc_id = $d ORDER BY replica, seq", tx))
        {
            ops.Parameters.AddWithValue("$c", refusal.Collection);
            ops.Parameters.AddWithValue("$d", refusal.DocId);
            var remaining = ReadOps(ops);
            foreach (var table in new[] { "documents", "flags" })
            {
                using var drop = _database.Command($"DELETE FROM {table} WHERE collection = $c AND doc_id = $d", tx);
                drop.Parameters.AddWithValue("$c", refusal.Collection);
                drop.Parameters.AddWithValue("$d", refusal.DocId);
                drop.ExecuteNonQuery();
            }
            if (remaining.Count > 0 && rebuilt(remaining) is { } change)
            {
                SaveDocument(change, tx);
            }
        }
        using (var cursors = _database.Command("DELETE FROM sync_cursor", tx))
        {
            cursors.ExecuteNonQuery();
        }
        return true;
    });

    /// <summary>Refused dots with who made them, so a backup carries them as pending (the relay refuses them again after a restore).</summary>
    public IReadOnlyList<PendingDot> RefusedDots() =>
        Refusals().Select(r => new PendingDot(r.Replica, r.Seq, r.UserName)).ToList();

    private bool DeleteRefusal(string replica, long seq, SqliteTransaction tx)
    {
        using var command = _database.Command("DELETE FROM refused WHERE replica = $a AND seq = $s", tx);
        command.Parameters.AddWithValue("$a", replica);
        command.Parameters.AddWithValue("$s", seq);
        return command.ExecuteNonQuery() > 0;
    }
}
