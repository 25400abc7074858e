using System.Data;
using Npgsql;
using NpgsqlTypes;

namespace Crdt.Relay.Storage.Postgres;

public sealed partial class PostgresRelayStore : ICheckpointStore
{
    // Created on first use (IF NOT EXISTS, under an advisory lock so nodes starting together do it
    // once), so databases made before checkpoints open unchanged and the numbered migration steps
    // stay free for other features.
    private const string CheckpointSchema = """
        SELECT pg_advisory_xact_lock(4851432211);
        CREATE TABLE IF NOT EXISTS checkpoints(
            tenant text PRIMARY KEY,
            generation text NOT NULL,
            replay_from bigint NOT NULL,
            compacted_through bigint NOT NULL,
            documents integer NOT NULL,
            writer_state bytea NOT NULL,
            written_at bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS checkpoint_documents(
            tenant text NOT NULL,
            generation text NOT NULL,
            collection text NOT NULL,
            doc_id text NOT NULL,
            body bytea NOT NULL,
            PRIMARY KEY(tenant, generation, collection, doc_id));
        """;

    private volatile bool _checkpointSchemaReady;

    private async Task EnsureCheckpointSchemaAsync(CancellationToken cancellationToken)
    {
        if (_checkpointSchemaReady)
        {
            return;
        }

        await RunAsync(async connection =>
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = Command(connection, tx, CheckpointSchema);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        _checkpointSchemaReady = true;
    }

    public async Task WriteCheckpointPartAsync(string tenant, string generation, IReadOnlyList<CheckpointDocument> documents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        await EnsureCheckpointSchemaAsync(cancellationToken).ConfigureAwait(false);
        if (documents.Count == 0)
        {
            return;
        }

        await RunAsync(async connection =>
        {
            // One statement for the whole part: arrays unnested server-side.
            await using var command = Command(connection, """
                INSERT INTO checkpoint_documents(tenant, generation, collection, doc_id, body)
                SELECT @t, @g, c, i, b FROM unnest(@c, @i, @b) AS part(c, i, b)
                ON CONFLICT(tenant, generation, collection, doc_id) DO UPDATE SET body = excluded.body;
                """, ("t", tenant), ("g", generation));
            command.Parameters.Add(new NpgsqlParameter("c", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = documents.Select(d => d.Document.Collection).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("i", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = documents.Select(d => d.Document.Id).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("b", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = documents.Select(d => d.Body).ToArray() });
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> PublishCheckpointAsync(string tenant, CheckpointHeader header, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        await EnsureCheckpointSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync(async connection =>
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // Publishers of one tenant take turns on this lock, so the count below cannot be
            // overtaken by another publisher deleting this generation before we commit.
            await using (var lockTenant = Command(connection, tx, "SELECT pg_advisory_xact_lock(hashtextextended('crdt-checkpoint:' || @t, 0));", ("t", tenant)))
            {
                await lockTenant.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using (var count = Command(connection, tx, "SELECT count(*) FROM checkpoint_documents WHERE tenant = @t AND generation = @g;",
                ("t", tenant), ("g", header.Generation)))
            {
                if (Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)) != header.Documents)
                {
                    return false;
                }
            }
            await using (var publish = Command(connection, tx, """
                INSERT INTO checkpoints(tenant, generation, replay_from, compacted_through, documents, writer_state, written_at)
                VALUES(@t, @g, @r, @c, @n, @s, @at)
                ON CONFLICT(tenant) DO UPDATE SET generation = excluded.generation, replay_from = excluded.replay_from,
                    compacted_through = excluded.compacted_through, documents = excluded.documents,
                    writer_state = excluded.writer_state, written_at = excluded.written_at;
                DELETE FROM checkpoint_documents WHERE tenant = @t AND generation <> @g;
                """, ("t", tenant), ("g", header.Generation), ("r", header.ReplayFrom), ("c", header.CompactedThrough),
                ("n", header.Documents), ("s", header.WriterState), ("at", header.WrittenAt.ToUnixTimeMilliseconds())))
            {
                await publish.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CheckpointHeader?> ReadCheckpointAsync(string tenant, Action<CheckpointDocument> onDocument, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onDocument);
        await EnsureCheckpointSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync(async connection =>
        {
            // Header and documents from one snapshot: a publish by another node in between is not seen half.
            await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            CheckpointHeader? header = null;
            await using (var command = Command(connection, tx,
                "SELECT generation, replay_from, compacted_through, documents, writer_state, written_at FROM checkpoints WHERE tenant = @t;", ("t", tenant)))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    header = new CheckpointHeader(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt32(3), (byte[])reader.GetValue(4),
                        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)));
                }
            }
            if (header is null)
            {
                return null;
            }

            await using (var command = Command(connection, tx,
                "SELECT collection, doc_id, body FROM checkpoint_documents WHERE tenant = @t AND generation = @g;", ("t", tenant), ("g", header.Generation)))
            await using (var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    onDocument(new CheckpointDocument(new StoreDocumentKey(reader.GetString(0), reader.GetString(1)), (byte[])reader.GetValue(2)));
                }
            }
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return header;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteCheckpointAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await EnsureCheckpointSchemaAsync(cancellationToken).ConfigureAwait(false);
        await RunAsync(async connection =>
        {
            await using var command = Command(connection, """
                DELETE FROM checkpoint_documents WHERE tenant = @t;
                DELETE FROM checkpoints WHERE tenant = @t;
                """, ("t", tenant));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }
}
