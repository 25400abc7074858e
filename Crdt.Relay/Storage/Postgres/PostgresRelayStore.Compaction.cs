using Npgsql;
using NpgsqlTypes;

namespace Crdt.Relay.Storage.Postgres;

/// <summary>
/// Bounded history on PostgreSQL (README "Bounded history"), the same semantics as on SQLite: device
/// acknowledgements, compacted document bases, and per tenant the position compacted through. Each
/// batch of bases and the deletion of the log ops they hold is one transaction, so a killed compaction
/// leaves every document as before or compacted. Appends never wait for it: they lock the tenant row,
/// compaction only deletes op rows below the horizon and writes the bases.
/// </summary>
public sealed partial class PostgresRelayStore : ICompactionStore
{
    // Created on first use (IF NOT EXISTS, under the migration lock so relays starting together do not
    // race), so the numbered migrations stay free for other features and a database made before opens unchanged.
    private const string CompactionSchema = """
        CREATE TABLE IF NOT EXISTS device_acks(
            tenant text NOT NULL,
            device text NOT NULL,
            position bigint NOT NULL,
            replica text NOT NULL,
            made_through bigint NOT NULL,
            since bigint NOT NULL,
            PRIMARY KEY(tenant, device));
        CREATE TABLE IF NOT EXISTS document_bases(
            tenant text NOT NULL,
            collection text NOT NULL,
            doc_id text NOT NULL,
            position bigint NOT NULL,
            snapshot bytea NOT NULL,
            PRIMARY KEY(tenant, collection, doc_id));
        CREATE TABLE IF NOT EXISTS compacted_through(
            tenant text PRIMARY KEY,
            position bigint NOT NULL);
        """;

    private volatile bool _compactionSchemaReady;

    private async Task EnsureCompactionSchemaAsync(CancellationToken cancellationToken)
    {
        if (_compactionSchemaReady)
        {
            return;
        }

        await RunAsync(async connection =>
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = Command(connection, tx, "SELECT pg_advisory_xact_lock(@lock);", ("lock", MigrationLockKey)))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using (var command = Command(connection, tx, CompactionSchema))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        _compactionSchemaReady = true;
    }

    public async Task RecordAcknowledgementAsync(string tenant, string device, long position, string replica, long madeThrough, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await EnsureCompactionSchemaAsync(cancellationToken).ConfigureAwait(false);
        await RunAsync(async connection =>
        {
            await using var command = Command(connection, """
                INSERT INTO device_acks(tenant, device, position, replica, made_through, since) VALUES(@t, @d, @p, @r, @m, @now)
                ON CONFLICT(tenant, device) DO UPDATE SET
                    since = CASE WHEN excluded.position > device_acks.position THEN excluded.since ELSE device_acks.since END,
                    replica = CASE WHEN excluded.position >= device_acks.position THEN excluded.replica ELSE device_acks.replica END,
                    made_through = CASE WHEN excluded.position >= device_acks.position THEN excluded.made_through ELSE device_acks.made_through END,
                    position = greatest(device_acks.position, excluded.position);
                """, ("t", tenant), ("d", device), ("p", position), ("r", replica), ("m", madeThrough), ("now", now.ToUnixTimeMilliseconds()));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AckRecord>> ListAcknowledgementsAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await EnsureCompactionSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync<IReadOnlyList<AckRecord>>(async connection =>
        {
            await using var command = Command(connection, "SELECT device, position, replica, made_through, since FROM device_acks WHERE tenant = @t ORDER BY device;", ("t", tenant));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var acks = new List<AckRecord>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                acks.Add(new AckRecord(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
            }
            return acks;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<BaseRecord>> ReadBasesAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await EnsureCompactionSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync<IReadOnlyList<BaseRecord>>(async connection =>
        {
            await using var command = Command(connection, "SELECT collection, doc_id, position, snapshot FROM document_bases WHERE tenant = @t;", ("t", tenant));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var bases = new List<BaseRecord>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                bases.Add(new BaseRecord(new StoreDocumentKey(reader.GetString(0), reader.GetString(1)), reader.GetInt64(2), reader.GetFieldValue<byte[]>(3)));
            }
            return bases;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> ReplaceWithBasesAsync(string tenant, IReadOnlyList<BaseRecord> bases, IReadOnlyCollection<long> deletePositions, long compactedThrough, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bases);
        ArgumentNullException.ThrowIfNull(deletePositions);
        await EnsureCompactionSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync(async connection =>
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection, tx);
            if (bases.Count > 0)
            {
                var upsert = new NpgsqlBatchCommand("""
                    INSERT INTO document_bases(tenant, collection, doc_id, position, snapshot)
                    SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bytea[])
                    ON CONFLICT(tenant, collection, doc_id) DO UPDATE SET position = excluded.position, snapshot = excluded.snapshot
                    WHERE excluded.position >= document_bases.position;
                    """);
                upsert.Parameters.Add(new NpgsqlParameter { Value = tenant });
                upsert.Parameters.Add(new NpgsqlParameter { Value = bases.Select(b => b.Document.Collection).ToArray() });
                upsert.Parameters.Add(new NpgsqlParameter { Value = bases.Select(b => b.Document.Id).ToArray() });
                upsert.Parameters.Add(new NpgsqlParameter { Value = bases.Select(b => b.Position).ToArray() });
                upsert.Parameters.Add(new NpgsqlParameter { Value = bases.Select(b => b.Snapshot).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
                batch.BatchCommands.Add(upsert);
            }
            var delete = new NpgsqlBatchCommand("DELETE FROM ops WHERE tenant = $1 AND position = ANY($2);");
            delete.Parameters.Add(new NpgsqlParameter { Value = tenant });
            delete.Parameters.Add(new NpgsqlParameter { Value = deletePositions.ToArray() });
            batch.BatchCommands.Add(delete);
            var raise = new NpgsqlBatchCommand("""
                INSERT INTO compacted_through(tenant, position) VALUES($1, $2)
                ON CONFLICT(tenant) DO UPDATE SET position = greatest(compacted_through.position, excluded.position);
                """);
            raise.Parameters.Add(new NpgsqlParameter { Value = tenant });
            raise.Parameters.Add(new NpgsqlParameter { Value = compactedThrough });
            batch.BatchCommands.Add(raise);
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            var deleted = delete.RecordsAffected;
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return deleted;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> GetCompactedThroughAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await EnsureCompactionSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync(async connection =>
        {
            await using var command = Command(connection, "SELECT coalesce((SELECT position FROM compacted_through WHERE tenant = @t), 0);", ("t", tenant));
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> GetHistoryBytesAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await EnsureCompactionSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync(async connection =>
        {
            await using var command = Command(connection, """
                SELECT coalesce((SELECT sum(length(payload)) FROM ops WHERE tenant = @t), 0)::bigint
                     + coalesce((SELECT sum(length(snapshot)) FROM document_bases WHERE tenant = @t), 0)::bigint;
                """, ("t", tenant));
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);
    }
}
