using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Internal.Storage;

/// <summary>
/// Typed access to the replica file. Each public method is one transaction: it either
/// happens completely or not at all. Callers serialise access (one connection).
/// Split by concern: ops and outbox here, documents/flags, settings/credentials in partials.
/// </summary>
internal sealed partial class ReplicaStore : IDisposable
{
    private readonly ReplicaDatabase database;

    // COUNT(*) of the outbox, remembered: counting scans the whole outbox index (about 4 ms at
    // 100,000 pending ops) and the count is read after every edit. Any write transaction forgets
    // it, except a local edit's, which adds exactly its ops (plain INSERTs, all or none).
    private long? pendingTotal;

    private ReplicaStore(ReplicaDatabase database) => this.database = database;

    public string Path => database.Path;

    public int FormatVersion => database.UserVersion;

    public static ReplicaStore Open(string path, ReplicaDurability durability) =>
        new(ReplicaDatabase.Open(path, durability));

    /// <summary>
    /// Local edits: op log, outbox and the materialised documents (with their flags) in one
    /// transaction, committed before this returns.
    /// </summary>
    /// <param name="userName">the person who made the edits: only their credentials may send them</param>
    /// <param name="lastHlc">the clock's last stamp, so stamps never run backwards after a restart</param>
    public void CommitLocalEdits(IReadOnlyList<StoredOp> ops, string userName, IReadOnlyList<DocumentChange> changes, string? lastHlc = null)
    {
        var pendingBefore = pendingTotal;
        Write("save edit", tx => InsertLocalEdits(ops, userName, changes, lastHlc, tx));
        pendingTotal = pendingBefore + ops.Count;
    }

    private void InsertLocalEdits(IReadOnlyList<StoredOp> ops, string userName, IReadOnlyList<DocumentChange> changes, string? lastHlc, SqliteTransaction tx)
    {
        if (lastHlc is not null)
        {
            SetSetting(SettingKeys.LastHlc, lastHlc, tx);
        }
        foreach (var op in ops)
        {
            InsertOp(op, tx, ignoreExisting: false);
            var outbox = database.Prepared(
                "INSERT INTO outbox(replica, seq, user_name, collection, doc_id, bytes) VALUES($a, $s, $u, $c, $d, $b)", tx);
            outbox.Parameters.AddWithValue("$a", op.Replica);
            outbox.Parameters.AddWithValue("$u", userName);
            outbox.Parameters.AddWithValue("$s", op.Seq);
            outbox.Parameters.AddWithValue("$c", op.Collection);
            outbox.Parameters.AddWithValue("$d", op.DocId);
            outbox.Parameters.AddWithValue("$b", op.Bytes.Length);
            outbox.ExecuteNonQuery();
            var sequence = database.Prepared(
                """
                INSERT INTO local_sequence(replica, last_seq) VALUES($a, $s)
                ON CONFLICT(replica) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)
                """, tx);
            sequence.Parameters.AddWithValue("$a", op.Replica);
            sequence.Parameters.AddWithValue("$s", op.Seq);
            sequence.ExecuteNonQuery();
        }
        foreach (var change in changes)
        {
            SaveDocument(change, tx);
        }
    }

    /// <summary>
    /// What arrived from the relay up to one checkpoint: ops inserted if new (dedup by dot), the
    /// documents they touched, documents that left the scope, and the new pull cursor, in one
    /// transaction (so a crash never advances the cursor past something not saved).
    /// Returns the documents dropped because they left the scope with nothing pending.
    /// </summary>
    public IReadOnlyList<(string Collection, string DocId)> CommitReceived(
        IReadOnlyList<StoredOp> ops,
        IReadOnlyList<DocumentChange> changes,
        string? cursorUser,
        ulong? cursor,
        IReadOnlyList<(string Collection, string DocId)>? leftScope = null) =>
        Write("save received ops", tx =>
        {
            foreach (var op in ops)
            {
                InsertOp(op, tx, ignoreExisting: true);
            }
            foreach (var change in changes)
            {
                SaveDocument(change, tx);
            }
            if (cursorUser is not null && cursor is { } position)
            {
                SetCursor(cursorUser, position, tx);
            }
            return leftScope is { Count: > 0 } ? MarkLeftScope(leftScope, tx) : [];
        });

    /// <summary>Which of these dots the op log already holds (so a re-delivered op is skipped before decoding).</summary>
    public bool HasOp(string replica, long seq)
    {
        var command = database.Prepared("SELECT 1 FROM op_log WHERE replica = $a AND seq = $s", null);
        command.Parameters.AddWithValue("$a", replica);
        command.Parameters.AddWithValue("$s", seq);
        return command.ExecuteScalar() is not null;
    }

    /// <summary>The last sequence this replica used (0 when none): sequences only grow.</summary>
    public long LastLocalSeq(string replica)
    {
        using var command = database.Command(
            "SELECT COALESCE((SELECT last_seq FROM local_sequence WHERE replica = $a), (SELECT MAX(seq) FROM op_log WHERE replica = $a), 0)");
        command.Parameters.AddWithValue("$a", replica);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Every op of one document, in log order per replica (used to rebuild a document).</summary>
    public IReadOnlyList<StoredOp> OpsOfDocument(string collection, string docId)
    {
        using var command = database.Command(
            "SELECT replica, seq, collection, doc_id, op FROM op_log WHERE collection = $c AND doc_id = $d ORDER BY replica, seq");
        command.Parameters.AddWithValue("$c", collection);
        command.Parameters.AddWithValue("$d", docId);
        return ReadOps(command);
    }

    /// <summary>Every op in the file (for backups).</summary>
    public IReadOnlyList<StoredOp> AllOps()
    {
        using var command = database.Command("SELECT replica, seq, collection, doc_id, op FROM op_log ORDER BY replica, seq");
        return ReadOps(command);
    }

    public long OpCount()
    {
        using var command = database.Command("SELECT COUNT(*) FROM op_log");
        return (long)command.ExecuteScalar()!;
    }

    private void InsertOp(StoredOp op, SqliteTransaction tx, bool ignoreExisting)
    {
        var command = database.Prepared(
            (ignoreExisting ? "INSERT OR IGNORE" : "INSERT") +
            " INTO op_log(replica, seq, collection, doc_id, op) VALUES($a, $s, $c, $d, $o)", tx);
        command.Parameters.AddWithValue("$a", op.Replica);
        command.Parameters.AddWithValue("$s", op.Seq);
        command.Parameters.AddWithValue("$c", op.Collection);
        command.Parameters.AddWithValue("$d", op.DocId);
        command.Parameters.AddWithValue("$o", op.Bytes);
        command.ExecuteNonQuery();
    }

    private static List<StoredOp> ReadOps(SqliteCommand command)
    {
        var ops = new List<StoredOp>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ops.Add(new StoredOp(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), (byte[])reader[4]));
        }
        return ops;
    }

    /// <summary>Runs <paramref name="body"/> in one IMMEDIATE transaction; any failure rolls everything back.</summary>
    private void Write(string action, Action<SqliteTransaction> body)
    {
        pendingTotal = null;
        try
        {
            using var transaction = database.BeginWrite();
            body(transaction);
            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            throw StorageErrors.From(ex, database.Path, action);
        }
    }

    private T Write<T>(string action, Func<SqliteTransaction, T> body)
    {
        var result = default(T)!;
        Write(action, tx => { result = body(tx); });
        return result;
    }

    public void Checkpoint() => database.Checkpoint();

    public void Dispose() => database.Dispose();
}
