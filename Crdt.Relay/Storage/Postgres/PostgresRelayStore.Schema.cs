using Npgsql;

namespace Crdt.Relay.Storage.Postgres;

public sealed partial class PostgresRelayStore
{
    /// <summary>The schema version this relay writes; recorded in <c>relay_schema</c>.</summary>
    public const int SchemaVersion = 2;

    // Any constant shared by every relay build: nodes that start together take turns migrating.
    private const long MigrationLockKey = 0x43_52_44_54_5f_4d_49_47; // "CRDT_MIG"

    /// <summary>The steps from an empty database, step i bringing version i-1 to i. A new schema
    /// version appends a step; released steps never change.</summary>
    private static readonly string[] MigrationSteps =
    [
        """
        CREATE TABLE meta(key text PRIMARY KEY, value text NOT NULL);
        INSERT INTO meta(key, value) VALUES('device_epoch', '0');
        -- head: the tenant's last log position. Appends lock this row, which orders them.
        CREATE TABLE tenants(name text PRIMARY KEY, created_at bigint NOT NULL, head bigint NOT NULL DEFAULT 0);
        CREATE TABLE ops(
            tenant text NOT NULL,
            position bigint NOT NULL,
            replica text NOT NULL,
            seq bigint NOT NULL,
            collection text NOT NULL,
            doc_id text NOT NULL,
            payload bytea NOT NULL,
            PRIMARY KEY(tenant, position),
            UNIQUE(tenant, replica, seq));
        CREATE TABLE devices(
            tenant text NOT NULL REFERENCES tenants(name),
            name text NOT NULL,
            role integer NOT NULL,
            token_hash bytea NOT NULL UNIQUE,
            created_at bigint NOT NULL,
            revoked_at bigint,
            PRIMARY KEY(tenant, name));
        CREATE TABLE pins(
            tenant text NOT NULL,
            device text NOT NULL,
            collection text NOT NULL,
            doc_id text NOT NULL,
            pinned_at_position bigint NOT NULL,
            PRIMARY KEY(tenant, device, collection, doc_id));
        CREATE TABLE replica_owners(
            tenant text NOT NULL,
            replica text NOT NULL,
            device text NOT NULL,
            key_hash bytea,
            PRIMARY KEY(tenant, replica));
        """,
        // 2: attachment bytes (PostgresBlobStore): chunks as rows, one row per complete attachment.
        """
        CREATE TABLE attachment_chunks(
            tenant text NOT NULL,
            sha256 text NOT NULL,
            position bigint NOT NULL,
            data bytea NOT NULL,
            PRIMARY KEY(tenant, sha256, position));
        CREATE TABLE attachments(
            tenant text NOT NULL,
            sha256 text NOT NULL,
            size bigint NOT NULL,
            completed_at bigint NOT NULL,
            PRIMARY KEY(tenant, sha256));
        CREATE TABLE attachment_policies(tenant text PRIMARY KEY, policy text NOT NULL);
        """,
    ];

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = Command(connection, tx, """
            SELECT pg_advisory_xact_lock(@lock);
            CREATE TABLE IF NOT EXISTS relay_schema(only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), version integer NOT NULL);
            """, ("lock", MigrationLockKey)))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        int version;
        await using (var command = Command(connection, tx, "SELECT coalesce(max(version), 0) FROM relay_schema;"))
        {
            version = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
        }
        if (version > SchemaVersion)
        {
            throw new StoreOpenException($"the PostgreSQL database at {Server} has relay schema version {version}, newer than this relay " +
                $"understands ({SchemaVersion}); run a relay of that version or newer");
        }
        for (var step = version; step < SchemaVersion; step++)
        {
            await using var command = Command(connection, tx, MigrationSteps[step]);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        if (version < SchemaVersion)
        {
            await using var record = Command(connection, tx, """
                INSERT INTO relay_schema(version) VALUES(@v) ON CONFLICT(only_row) DO UPDATE SET version = excluded.version;
                """, ("v", SchemaVersion));
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
