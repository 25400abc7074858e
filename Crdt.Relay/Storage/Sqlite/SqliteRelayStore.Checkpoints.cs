using Microsoft.Data.Sqlite;

namespace Crdt.Relay.Storage.Sqlite;

public sealed partial class SqliteRelayStore : ICheckpointStore
{
    // Created on first use (IF NOT EXISTS), like the bounded-history tables: stores made before
    // checkpoints open unchanged, and the numbered migrations stay free for other features.
    private const string CheckpointSchema = """
        CREATE TABLE IF NOT EXISTS checkpoints(
            tenant TEXT PRIMARY KEY,
            generation TEXT NOT NULL,
            replay_from INTEGER NOT NULL,
            compacted_through INTEGER NOT NULL,
            documents INTEGER NOT NULL,
            writer_state BLOB NOT NULL,
            written_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS checkpoint_documents(
            tenant TEXT NOT NULL,
            generation TEXT NOT NULL,
            collection TEXT NOT NULL,
            doc_id TEXT NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY(tenant, generation, collection, doc_id));
        """;

    private volatile bool _checkpointSchemaReady;

    private async Task EnsureCheckpointSchemaAsync(CancellationToken cancellationToken)
    {
        if (_checkpointSchemaReady)
        {
            return;
        }

        await WriteAsync(tx => Execute(_writer, CheckpointSchema, tx), cancellationToken).ConfigureAwait(false);
        _checkpointSchemaReady = true;
    }

    public async Task WriteCheckpointPartAsync(string tenant, string generation, IReadOnlyList<CheckpointDocument> documents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        await EnsureCheckpointSchemaAsync(cancellationToken).ConfigureAwait(false);
        await WriteAsync(tx =>
        {
            using var insert = Command(_writer, """
                INSERT INTO checkpoint_documents(tenant, generation, collection, doc_id, body) VALUES($t, $g, $c, $i, $b)
                ON CONFLICT(tenant, generation, collection, doc_id) DO UPDATE SET body = excluded.body;
                """, tx, [("$t", tenant), ("$g", generation), ("$c", ""), ("$i", ""), ("$b", Array.Empty<byte>())]);
            foreach (var document in documents)
            {
                insert.Parameters["$c"].Value = document.Document.Collection;
                insert.Parameters["$i"].Value = document.Document.Id;
                insert.Parameters["$b"].Value = document.Body;
                insert.ExecuteNonQuery();
            }
            return documents.Count;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> PublishCheckpointAsync(string tenant, CheckpointHeader header, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        await EnsureCheckpointSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await WriteAsync(tx =>
        {
            var stored = Convert.ToInt64(Scalar(_writer, "SELECT count(*) FROM checkpoint_documents WHERE tenant = $t AND generation = $g;",
                tx, ("$t", tenant), ("$g", header.Generation)));
            if (stored != header.Documents)
            {
                return false;
            }

            Execute(_writer, """
                INSERT INTO checkpoints(tenant, generation, replay_from, compacted_through, documents, writer_state, written_at)
                VALUES($t, $g, $r, $c, $n, $s, $at)
                ON CONFLICT(tenant) DO UPDATE SET generation = excluded.generation, replay_from = excluded.replay_from,
                    compacted_through = excluded.compacted_through, documents = excluded.documents,
                    writer_state = excluded.writer_state, written_at = excluded.written_at;
                """, tx, ("$t", tenant), ("$g", header.Generation), ("$r", header.ReplayFrom), ("$c", header.CompactedThrough),
                ("$n", header.Documents), ("$s", header.WriterState), ("$at", header.WrittenAt.ToUnixTimeMilliseconds()));
            Execute(_writer, "DELETE FROM checkpoint_documents WHERE tenant = $t AND generation <> $g;", tx, ("$t", tenant), ("$g", header.Generation));
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CheckpointHeader?> ReadCheckpointAsync(string tenant, Action<CheckpointDocument> onDocument, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onDocument);
        await EnsureCheckpointSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = OpenReader();
        // One read transaction: header and documents come from the same snapshot of the WAL.
        using var tx = connection.BeginTransaction(deferred: true);
        CheckpointHeader? header;
        using (var command = Command(connection, """
            SELECT generation, replay_from, compacted_through, documents, writer_state, written_at FROM checkpoints WHERE tenant = $t;
            """, tx, [("$t", tenant)]))
        using (var reader = command.ExecuteReader())
        {
            header = reader.Read()
                ? new CheckpointHeader(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt32(3), (byte[])reader.GetValue(4),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)))
                : null;
        }
        if (header is null)
        {
            return null;
        }

        using (var command = Command(connection, "SELECT collection, doc_id, body FROM checkpoint_documents WHERE tenant = $t AND generation = $g;",
            tx, [("$t", tenant), ("$g", header.Generation)]))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                onDocument(new CheckpointDocument(new StoreDocumentKey(reader.GetString(0), reader.GetString(1)), (byte[])reader.GetValue(2)));
            }
        }
        return header;
    }

    public async Task DeleteCheckpointAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await EnsureCheckpointSchemaAsync(cancellationToken).ConfigureAwait(false);
        await WriteAsync(tx =>
        {
            Execute(_writer, "DELETE FROM checkpoint_documents WHERE tenant = $t;", tx, ("$t", tenant));
            return Execute(_writer, "DELETE FROM checkpoints WHERE tenant = $t;", tx, ("$t", tenant));
        }, cancellationToken).ConfigureAwait(false);
    }
}
