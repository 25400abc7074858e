using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Internal.Storage;

internal sealed partial class ReplicaStore
{
    public StoredDocument? LoadDocument(string collection, string docId)
    {
        // Prepared once: a cold read of many documents one by one would otherwise parse this per document.
        var command = _database.Prepared(
            "SELECT collection, doc_id, snapshot, json FROM documents WHERE collection = $c AND doc_id = $d", null);
        command.Parameters.AddWithValue("$c", collection);
        command.Parameters.AddWithValue("$d", docId);
        return ReadDocuments(command).FirstOrDefault();
    }

    /// <summary>All documents of a collection (or every document when null), ordered by id.</summary>
    public IReadOnlyList<StoredDocument> LoadDocuments(string? collection = null)
    {
        using var command = _database.Command(collection is null
            ? "SELECT collection, doc_id, snapshot, json FROM documents ORDER BY collection, doc_id"
            : "SELECT collection, doc_id, snapshot, json FROM documents WHERE collection = $c ORDER BY doc_id");
        if (collection is not null)
        {
            command.Parameters.AddWithValue("$c", collection);
        }
        return ReadDocuments(command);
    }

    /// <summary>Document keys only, for a cheap count or listing without decoding snapshots.</summary>
    public IReadOnlyList<(string Collection, string DocId)> DocumentKeys()
    {
        using var command = _database.Command("SELECT collection, doc_id FROM documents ORDER BY collection, doc_id");
        return command.ReadAll(SqliteRows.DocumentKey);
    }

    private static List<StoredDocument> ReadDocuments(SqliteCommand command) =>
        command.ReadAll(reader => new StoredDocument(reader.GetString(0), reader.GetString(1), (byte[])reader[2], reader.GetString(3)));

    private void SaveDocument(DocumentChange change, SqliteTransaction? tx)
    {
        var document = change.Document;
        // The own ops the snapshot holds (ReplicaStore.SnapshotTail.cs): those above wait in the tail.
        var upsert = _database.Prepared(
            $"""
            INSERT INTO documents(collection, doc_id, snapshot, json, snapshot_seq) VALUES($c, $d, $s, $j, COALESCE($m, {NewestOwnSeq}))
            ON CONFLICT(collection, doc_id) DO UPDATE SET snapshot = excluded.snapshot, json = excluded.json, snapshot_seq = excluded.snapshot_seq
            """, tx);
        {
            upsert.Parameters.AddWithValue("$c", document.Collection);
            upsert.Parameters.AddWithValue("$d", document.DocId);
            upsert.Parameters.AddWithValue("$s", document.Snapshot);
            upsert.Parameters.AddWithValue("$j", document.Json);
            upsert.Parameters.AddWithValue("$m", change.SnapshotSeq is { } seq ? seq : DBNull.Value);
            upsert.ExecuteNonQuery();
        }
        if (change.Flags is null)
        {
            // The flag set did not change: the rows already there are right.
            return;
        }
        var clear = _database.Prepared("DELETE FROM flags WHERE collection = $c AND doc_id = $d", tx);
        {
            clear.Parameters.AddWithValue("$c", document.Collection);
            clear.Parameters.AddWithValue("$d", document.DocId);
            clear.ExecuteNonQuery();
        }
        foreach (var flag in change.Flags)
        {
            var insert = _database.Prepared(
                "INSERT OR REPLACE INTO flags(flag_id, collection, doc_id, kind, state, json) VALUES($f, $c, $d, $k, $s, $j)", tx);
            insert.Parameters.AddWithValue("$f", flag.FlagId);
            insert.Parameters.AddWithValue("$c", flag.Collection);
            insert.Parameters.AddWithValue("$d", flag.DocId);
            insert.Parameters.AddWithValue("$k", flag.Kind);
            insert.Parameters.AddWithValue("$s", flag.State);
            insert.Parameters.AddWithValue("$j", flag.Json);
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Flags in the inbox; <paramref name="state"/> filters (null: all).</summary>
    public IReadOnlyList<StoredFlag> Flags(string? state = null)
    {
        using var command = _database.Command(state is null
            ? "SELECT flag_id, collection, doc_id, kind, state, json FROM flags ORDER BY collection, doc_id, flag_id"
            : "SELECT flag_id, collection, doc_id, kind, state, json FROM flags WHERE state = $s ORDER BY collection, doc_id, flag_id");
        if (state is not null)
        {
            command.Parameters.AddWithValue("$s", state);
        }
        return command.ReadAll(reader =>
            new StoredFlag(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5)));
    }

    public void Pin(string collection, string docId) => Write("pin document", tx =>
    {
        using var command = _database.Command("INSERT OR IGNORE INTO pinned(collection, doc_id) VALUES($c, $d)", tx);
        command.Parameters.AddWithValue("$c", collection);
        command.Parameters.AddWithValue("$d", docId);
        command.ExecuteNonQuery();
    });

    /// <summary>The relay confirmed these pins.</summary>
    public void MarkPinsSent(IReadOnlyList<(string Collection, string DocId)> keys) => Write("save pins", tx =>
    {
        foreach (var (collection, docId) in keys)
        {
            using var command = _database.Command("UPDATE pinned SET sent = 1 WHERE collection = $c AND doc_id = $d", tx);
            command.Parameters.AddWithValue("$c", collection);
            command.Parameters.AddWithValue("$d", docId);
            command.ExecuteNonQuery();
        }
    });

    /// <summary>Pinned documents (only those the relay has not confirmed when <paramref name="unsentOnly"/>).</summary>
    public IReadOnlyList<(string Collection, string DocId)> Pinned(bool unsentOnly = false)
    {
        using var command = _database.Command(unsentOnly
            ? "SELECT collection, doc_id FROM pinned WHERE sent = 0 ORDER BY collection, doc_id"
            : "SELECT collection, doc_id FROM pinned ORDER BY collection, doc_id");
        return command.ReadAll(SqliteRows.DocumentKey);
    }
}
