namespace Crdt.Replica.Internal.Storage;

/// <summary>
/// The replica file format, one migration per released version. A migration is never edited
/// once shipped: a file written by an older release is brought forward step by step, and
/// <c>PRAGMA user_version</c> records how far it got (inside the same transaction, so a crash
/// mid-migration leaves the file at the previous version).
/// </summary>
internal static class ReplicaSchema
{
    /// <summary>The version this build writes. Files with a higher version are refused.</summary>
    public static int CurrentVersion => Migrations.Count;

    /// <summary>Migrations[i] takes a file from version i to version i + 1.</summary>
    public static readonly IReadOnlyList<string> Migrations =
    [
        // v1: the first release.
        """
        CREATE TABLE settings(
            key   TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL) WITHOUT ROWID;

        -- Every op this replica knows, encoded by the core codec, keyed by its dot.
        CREATE TABLE op_log(
            replica    TEXT    NOT NULL,
            seq        INTEGER NOT NULL,
            collection TEXT    NOT NULL,
            doc_id     TEXT    NOT NULL,
            op         BLOB    NOT NULL,
            PRIMARY KEY(replica, seq)) WITHOUT ROWID;
        CREATE INDEX op_log_by_document ON op_log(collection, doc_id);

        -- Ops made here that the relay has not acknowledged yet (bytes live in op_log).
        -- user_name is the person who made the edit: only their credentials may send it.
        CREATE TABLE outbox(
            replica    TEXT    NOT NULL,
            seq        INTEGER NOT NULL,
            user_name  TEXT    NOT NULL,
            collection TEXT    NOT NULL,
            doc_id     TEXT    NOT NULL,
            bytes      INTEGER NOT NULL,
            PRIMARY KEY(replica, seq)) WITHOUT ROWID;
        CREATE INDEX outbox_by_user ON outbox(user_name, replica, seq);

        -- Materialised documents: the core snapshot for fast open; json is a rendering for tools, '' when not rendered (derived from the snapshot on read).
        CREATE TABLE documents(
            collection TEXT NOT NULL,
            doc_id     TEXT NOT NULL,
            snapshot   BLOB NOT NULL,
            json       TEXT NOT NULL,
            PRIMARY KEY(collection, doc_id)) WITHOUT ROWID;

        -- Flags derived from the ops, indexed so the inbox needs no document scan.
        CREATE TABLE flags(
            flag_id    TEXT NOT NULL PRIMARY KEY,
            collection TEXT NOT NULL,
            doc_id     TEXT NOT NULL,
            kind       TEXT NOT NULL,
            state      TEXT NOT NULL,
            json       TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX flags_by_document ON flags(collection, doc_id);

        -- Where each signed-in user's pull left off on the relay (scopes differ per user).
        CREATE TABLE sync_cursor(
            user_name TEXT    NOT NULL PRIMARY KEY,
            cursor    INTEGER NOT NULL) WITHOUT ROWID;

        CREATE TABLE pinned(
            collection TEXT NOT NULL,
            doc_id     TEXT NOT NULL,
            PRIMARY KEY(collection, doc_id)) WITHOUT ROWID;

        -- The last sequence this device's replica used. Kept apart from op_log because ops
        -- of documents that left the scope are deleted, and sequences must never be reused.
        CREATE TABLE local_sequence(
            replica  TEXT    NOT NULL PRIMARY KEY,
            last_seq INTEGER NOT NULL) WITHOUT ROWID;

        -- One row per user signed in on this device (a shared tablet may have several).
        CREATE TABLE credentials(
            user_name TEXT NOT NULL PRIMARY KEY,
            relay_url TEXT NOT NULL,
            token     TEXT NOT NULL) WITHOUT ROWID;
        """,

        // v2: scope changes. A document that left the device's scope is dropped once its own
        // pending edits have synced; until then it is marked here.
        """
        ALTER TABLE documents ADD COLUMN leave_when_synced INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX outbox_by_document ON outbox(collection, doc_id);
        -- Pins are also told to the relay (so the document stays in scope); 0 until it confirmed.
        ALTER TABLE pinned ADD COLUMN sent INTEGER NOT NULL DEFAULT 0;
        """,

        // v3: every edit inserted an entry at a random place of this index (one more page in
        // each commit's WAL frames and checkpoints) for a question asked only when documents
        // leave the scope; that question now goes through op_log_by_document and the outbox key.
        """
        DROP INDEX outbox_by_document;
        """,

        // v4: ops the relay refused for good (INVALID_ARGUMENT, PERMISSION_DENIED,
        // FAILED_PRECONDITION) leave the outbox for this list, so later edits go on syncing. The
        // op stays in op_log (what the user typed is still shown) until the user discards it.
        """
        CREATE TABLE refused(
            replica    TEXT    NOT NULL,
            seq        INTEGER NOT NULL,
            user_name  TEXT    NOT NULL,
            collection TEXT    NOT NULL,
            doc_id     TEXT    NOT NULL,
            status     TEXT    NOT NULL,
            reason     TEXT    NOT NULL,
            refused_at INTEGER NOT NULL,
            PRIMARY KEY(replica, seq)) WITHOUT ROWID;
        """,

        // v5: attachments whose bytes (kept in the folder beside this file) the relay does not have
        // yet; a row is written in the transaction of the edit that adds the element, and leaves
        // when the relay holds the whole attachment. Uploaded oldest first (queued_at, then hash).
        """
        CREATE TABLE attachment_uploads(
            sha256       TEXT    NOT NULL PRIMARY KEY,
            size         INTEGER NOT NULL,
            content_type TEXT    NOT NULL,
            name         TEXT    NOT NULL,
            queued_at    INTEGER NOT NULL,
            refused      TEXT) WITHOUT ROWID;
        """,

        // v6: a local edit no longer re-encodes its document's snapshot every time (issue 18). The
        // snapshot holds this device's own ops up to snapshot_seq; its own ops of the document above
        // it (the tail, still in op_log, keyed by replica and seq) are replayed on load. Every
        // snapshot written so far holds every op, so it starts at the newest own sequence.
        """
        ALTER TABLE documents ADD COLUMN snapshot_seq INTEGER NOT NULL DEFAULT 0;
        UPDATE documents SET snapshot_seq = COALESCE(
            (SELECT MAX(seq) FROM op_log WHERE replica = (SELECT value FROM settings WHERE key = 'device_id')), 0);
        """,
    ];
}
