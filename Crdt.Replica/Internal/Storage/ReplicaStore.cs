using Crdt.Core;
using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Internal.Storage;

/// <summary>
/// Typed access to the replica file. Each public method is one transaction: it either
/// happens completely or not at all. Callers serialise access (one connection).
/// Split by concern: ops and outbox here, documents/flags, settings/credentials in partials.
/// </summary>
internal sealed partial class ReplicaStore : IDisposable
{
    private readonly ReplicaDatabase _database;

    // COUNT(*) of the outbox, remembered: counting scans the whole outbox index (about 4 ms at
    // 100,000 pending ops) and the count is read after every edit. Any write transaction forgets
    // it, except a local edit's, which adds exactly its ops (plain INSERTs, all or none).
    private long? _pendingTotal;

    // Tokens and the replica key go through it on their way in and out of the file.
    private readonly SecretText _secrets;

    private ReplicaStore(ReplicaDatabase database, ISecretProtector protector)
    {
        _database = database;
        _secrets = new SecretText(protector, _database.Path);
    }

    public string Path => _database.Path;

    /// <summary>The file's one connection (tests trace the statements an edit runs on it).</summary>
    internal SqliteConnection Connection => _database.Connection;

    public int FormatVersion => _database.UserVersion;

    /// <param name="protector">protects tokens and the replica key (null: <see cref="KeyFileSecretProtector"/> beside the file)</param>
    public static ReplicaStore Open(string path, ReplicaDurability durability, ISecretProtector? protector = null)
    {
        var store = new ReplicaStore(ReplicaDatabase.Open(path, durability), protector ?? KeyFileSecretProtector.ForReplicaFile(path));
        try
        {
            store.ProtectLegacySecrets();
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Local edits: op log, outbox and the materialised documents (with their flags) in one
    /// transaction, committed before this returns. <paramref name="changes"/> may leave out a
    /// document whose snapshot waits (ReplicaStore.SnapshotTail.cs): its ops are its tail. The last sequence and clock stamp are not
    /// written per edit: the op log holds them (<see cref="LastLocalSeq"/>, <see cref="LastLocalStamp"/>),
    /// and they are set aside only when ops leave the log (<see cref="RememberNewestOps"/>).
    /// </summary>
    /// <param name="userName">the person who made the edits: only their credentials may send them</param>
    /// <param name="alsoInTransaction">more rows written in the same transaction (an attachment's upload queue entry)</param>
    public void CommitLocalEdits(IReadOnlyList<StoredOp> ops, string userName, IReadOnlyList<DocumentChange> changes, Action<SqliteTransaction?>? alsoInTransaction = null)
    {
        var pendingBefore = _pendingTotal;
        _pendingTotal = null;
        try
        {
            // Every single edit is a transaction of its own: BEGIN and COMMIT are prepared once.
            _database.InPreparedTransaction(() =>
            {
                InsertLocalEdits(ops, userName, changes, null);
                alsoInTransaction?.Invoke(null);
            });
        }
        catch (SqliteException ex)
        {
            throw StorageErrors.From(ex, _database.Path, "save edit");
        }
        _pendingTotal = pendingBefore + ops.Count;
    }

    private void InsertLocalEdits(IReadOnlyList<StoredOp> ops, string userName, IReadOnlyList<DocumentChange> changes, SqliteTransaction? tx)
    {
        foreach (var op in ops)
        {
            InsertLocalOp(op, userName);
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
        var command = _database.Prepared("SELECT 1 FROM op_log WHERE replica = $a AND seq = $s", null);
        command.Parameters.AddWithValue("$a", replica);
        command.Parameters.AddWithValue("$s", seq);
        return command.ExecuteScalar() is not null;
    }

    /// <summary>
    /// The last sequence this replica used (0 when none): sequences only grow. The newest op in
    /// the log, or the one set aside when ops left the log, whichever is higher.
    /// </summary>
    public long LastLocalSeq(string replica)
    {
        using var command = _database.Command(
            "SELECT MAX(COALESCE((SELECT last_seq FROM local_sequence WHERE replica = $a), 0), COALESCE((SELECT MAX(seq) FROM op_log WHERE replica = $a), 0))");
        command.Parameters.AddWithValue("$a", replica);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>
    /// The clock's last stamp on this replica, so stamps never run backwards after a restart: the
    /// stamp of its newest op in the log, or the one set aside when ops left the log (and the one
    /// files of earlier builds saved on every edit), whichever is later.
    /// </summary>
    public Hlc LastLocalStamp(string replica)
    {
        var saved = HlcText.Parse(GetSetting(SettingKeys.LastHlc));
        return NewestOp(replica, null) is { } newest && HlcText.IsAfter(newest.Stamp, saved) ? newest.Stamp : saved;
    }

    private (long Seq, Hlc Stamp)? NewestOp(string replica, SqliteTransaction? tx)
    {
        using var command = _database.Command("SELECT seq, op FROM op_log WHERE replica = $a ORDER BY seq DESC LIMIT 1", tx);
        command.Parameters.AddWithValue("$a", replica);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }
        try
        {
            var stamp = OpCodec.Decode((byte[])reader[1]).Hlc;
            return (reader.GetInt64(0), new Hlc(stamp.WallMs, stamp.Counter, default));
        }
        catch (OpDecodeException)
        {
            // Only a damaged row gets here: the file still opens, with the stamp set aside last
            // (the wall clock normally runs ahead of it anyway), rather than not at all.
            return (reader.GetInt64(0), default);
        }
    }

    /// <summary>
    /// Before the ops of <paramref name="documents"/> leave the log (they left the scope), sets
    /// aside the newest sequence of every replica that made them, and this device's newest stamp,
    /// since the log may no longer hold them afterwards.
    /// </summary>
    private void RememberNewestOps(IReadOnlyList<(string Collection, string DocId)> documents, SqliteTransaction tx)
    {
        var replicas = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (collection, docId) in documents)
        {
            using var authors = _database.Command("SELECT DISTINCT replica FROM op_log WHERE collection = $c AND doc_id = $d", tx);
            authors.Parameters.AddWithValue("$c", collection);
            authors.Parameters.AddWithValue("$d", docId);
            replicas.UnionWith(authors.ReadAll(reader => reader.GetString(0)));
        }
        var own = GetSetting(SettingKeys.DeviceId, tx);
        foreach (var replica in replicas)
        {
            if (NewestOp(replica, tx) is not { } newest)
            {
                continue;
            }
            using (var sequence = _database.Command(
                """
                INSERT INTO local_sequence(replica, last_seq) VALUES($a, $s)
                ON CONFLICT(replica) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)
                """, tx))
            {
                sequence.Parameters.AddWithValue("$a", replica);
                sequence.Parameters.AddWithValue("$s", newest.Seq);
                sequence.ExecuteNonQuery();
            }
            if (replica == own && HlcText.IsAfter(newest.Stamp, HlcText.Parse(GetSetting(SettingKeys.LastHlc, tx))))
            {
                SetSetting(SettingKeys.LastHlc, HlcText.Format(newest.Stamp), tx);
            }
        }
    }

    /// <summary>Every op of one document, in log order per replica (used to rebuild a document).</summary>
    public IReadOnlyList<StoredOp> OpsOfDocument(string collection, string docId)
    {
        using var command = _database.Command(
            "SELECT replica, seq, collection, doc_id, op FROM op_log WHERE collection = $c AND doc_id = $d ORDER BY replica, seq");
        command.Parameters.AddWithValue("$c", collection);
        command.Parameters.AddWithValue("$d", docId);
        return ReadOps(command);
    }

    /// <summary>Every op in the file (for backups).</summary>
    public IReadOnlyList<StoredOp> AllOps()
    {
        using var command = _database.Command("SELECT replica, seq, collection, doc_id, op FROM op_log ORDER BY replica, seq");
        return ReadOps(command);
    }

    public long OpCount()
    {
        using var command = _database.Command("SELECT COUNT(*) FROM op_log");
        return (long)command.ExecuteScalar()!;
    }

    private void InsertOp(StoredOp op, SqliteTransaction tx, bool ignoreExisting)
    {
        var command = _database.Prepared(
            (ignoreExisting ? "INSERT OR IGNORE" : "INSERT") +
            " INTO op_log(replica, seq, collection, doc_id, op) VALUES($a, $s, $c, $d, $o)", tx);
        command.Parameters.AddWithValue("$a", op.Replica);
        command.Parameters.AddWithValue("$s", op.Seq);
        command.Parameters.AddWithValue("$c", op.Collection);
        command.Parameters.AddWithValue("$d", op.DocId);
        command.Parameters.AddWithValue("$o", op.Bytes);
        command.ExecuteNonQuery();
    }

    private static List<StoredOp> ReadOps(SqliteCommand command) => command.ReadAll(SqliteRows.Op);

    /// <summary>Runs <paramref name="body"/> in one IMMEDIATE transaction; any failure rolls everything back.</summary>
    private void Write(string action, Action<SqliteTransaction> body)
    {
        _pendingTotal = null;
        try
        {
            using var transaction = _database.BeginWrite();
            body(transaction);
            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            throw StorageErrors.From(ex, _database.Path, action);
        }
    }

    private T Write<T>(string action, Func<SqliteTransaction, T> body)
    {
        var result = default(T)!;
        Write(action, tx => { result = body(tx); });
        return result;
    }

    public void Checkpoint() => _database.Checkpoint();

    public void Dispose()
    {
        _database.Dispose();
    }
}
