using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Internal.Storage;

/// <summary>
/// The op-log tail above a document's snapshot (issue 18). A local edit writes its op (op log and
/// outbox) and, most of the time, not its document's snapshot: re-encoding the whole document on
/// every edit was a tenth of an edit's cost. <c>documents.snapshot_seq</c> says which of this
/// device's own ops the stored snapshot holds (every own op up to it); the document's own ops above
/// it are its tail, still in op_log, and are replayed over the snapshot when the document loads.
/// Ops from other replicas never wait in a tail: whatever takes them in writes the snapshot in the
/// same transaction. A snapshot written from memory (which holds the tail) carries the highest own
/// sequence of the document it holds (<see cref="DocumentChange.SnapshotSeq"/>); one rebuilt from
/// the log holds every op, and its marker is this device's newest sequence.
/// </summary>
internal sealed partial class ReplicaStore
{
    // This device's own replica id, read inside each statement (the settings row is set at first
    // open and by a restore), so no cached copy can go stale.
    private const string OwnReplica = "(SELECT value FROM settings WHERE key = 'device_id')";

    /// <summary>The newest own sequence in the log: what a snapshot written from memory holds.</summary>
    internal const string NewestOwnSeq = "COALESCE((SELECT MAX(seq) FROM op_log WHERE replica = " + OwnReplica + "), 0)";

    /// <summary>The document's own ops above its snapshot, oldest first (empty when the snapshot is current).</summary>
    public IReadOnlyList<byte[]> TailOps(string collection, string docId)
    {
        var command = _database.Prepared(
            $"""
            SELECT l.op FROM documents d CROSS JOIN op_log l
              ON l.collection = d.collection AND l.doc_id = d.doc_id AND l.replica = {OwnReplica} AND l.seq > d.snapshot_seq
            WHERE d.collection = $c AND d.doc_id = $d ORDER BY l.seq
            """, null);
        command.Parameters.AddWithValue("$c", collection);
        command.Parameters.AddWithValue("$d", docId);
        return command.ReadAll(reader => (byte[])reader[0]);
    }

    /// <summary>The tails of every document of a collection (or of every document when null), in one query.</summary>
    public IReadOnlyList<StoredOp> TailOpsOf(string? collection)
    {
        using var command = _database.Command(
            $"""
            SELECT l.replica, l.seq, l.collection, l.doc_id, l.op FROM documents d CROSS JOIN op_log l
              ON l.collection = d.collection AND l.doc_id = d.doc_id AND l.replica = {OwnReplica} AND l.seq > d.snapshot_seq
            {(collection is null ? "" : "WHERE d.collection = $c")}
            ORDER BY d.collection, d.doc_id, l.seq
            """);
        if (collection is not null)
        {
            command.Parameters.AddWithValue("$c", collection);
        }
        return ReadOps(command);
    }

    /// <summary>Documents whose snapshot is behind their ops (they were edited since it was written, and not closed cleanly).</summary>
    public IReadOnlyList<(string Collection, string DocId)> DocumentsWithTails()
    {
        using var command = _database.Command(
            $"""
            SELECT DISTINCT d.collection, d.doc_id FROM documents d CROSS JOIN op_log l
              ON l.collection = d.collection AND l.doc_id = d.doc_id AND l.replica = {OwnReplica} AND l.seq > d.snapshot_seq
            ORDER BY d.collection, d.doc_id
            """);
        return command.ReadAll(SqliteRows.DocumentKey);
    }

    /// <summary>How many own ops wait above their documents' snapshots, all documents together (tests, diagnostics).</summary>
    public long TailOpCount()
    {
        using var command = _database.Command(
            $"""
            SELECT COUNT(*) FROM documents d CROSS JOIN op_log l
              ON l.collection = d.collection AND l.doc_id = d.doc_id AND l.replica = {OwnReplica} AND l.seq > d.snapshot_seq
            """);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Writes re-encoded snapshots (their tails folded in) in one transaction; nothing else changes.</summary>
    public void SaveSnapshots(IReadOnlyList<DocumentChange> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }
        var pendingBefore = _pendingTotal;
        Write("save document snapshots", tx =>
        {
            foreach (var change in changes)
            {
                SaveDocument(change, tx);
            }
        });
        _pendingTotal = pendingBefore;
    }

    /// <summary>
    /// One local op into the op log and the outbox: two statements prepared once and stepped
    /// straight through SQLite (<see cref="RawStatement"/>), the dot and document bound for each.
    /// Runs inside the edit's transaction.
    /// </summary>
    private void InsertLocalOp(StoredOp op, string userName)
    {
        var log = _localOpLogInsert ??= _database.Raw("INSERT INTO op_log(replica, seq, collection, doc_id, op) VALUES(?1, ?2, ?3, ?4, ?5)");
        log.Bind(1, op.Replica);
        log.Bind(2, op.Seq);
        log.Bind(3, op.Collection);
        log.Bind(4, op.DocId);
        log.Bind(5, op.Bytes);
        log.Run();
        var outbox = _localOutboxInsert ??= _database.Raw("INSERT INTO outbox(replica, seq, user_name, collection, doc_id, bytes) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
        outbox.Bind(1, op.Replica);
        outbox.Bind(2, op.Seq);
        outbox.Bind(3, userName);
        outbox.Bind(4, op.Collection);
        outbox.Bind(5, op.DocId);
        outbox.Bind(6, op.Bytes.Length);
        outbox.Run();
    }

    private RawStatement? _localOpLogInsert;
    private RawStatement? _localOutboxInsert;
}
