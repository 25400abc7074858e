using Npgsql;

namespace Crdt.Relay.Storage.Postgres;

public sealed partial class PostgresRelayStore : ISigningKeyStore
{
    // Created on first use under the migration lock (nodes starting together take turns), so the
    // numbered migration steps stay free for other features and older databases open unchanged.
    private const string SigningKeySchema = """
        SELECT pg_advisory_xact_lock(@lock);
        CREATE TABLE IF NOT EXISTS signing_keys(
            tenant text NOT NULL,
            device text NOT NULL,
            key_id text NOT NULL,
            public_key bytea NOT NULL,
            registered_at bigint NOT NULL,
            PRIMARY KEY(tenant, device, key_id));
        """;

    private volatile bool _signingKeySchemaReady;

    private async Task EnsureSigningKeySchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_signingKeySchemaReady)
        {
            return;
        }

        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = Command(connection, tx, SigningKeySchema, ("lock", MigrationLockKey)))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        _signingKeySchemaReady = true;
    }

    public Task RegisterSigningKeyAsync(string tenant, string device, string keyId, byte[] publicKey, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            await EnsureSigningKeySchemaAsync(connection, cancellationToken).ConfigureAwait(false);
            await using var command = Command(connection, """
                INSERT INTO signing_keys(tenant, device, key_id, public_key, registered_at) VALUES(@t, @d, @k, @p, @at)
                ON CONFLICT(tenant, device, key_id) DO NOTHING;
                """, ("t", tenant), ("d", device), ("k", keyId), ("p", publicKey), ("at", now.ToUnixTimeMilliseconds()));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public async Task<SigningKeyRecord?> FindSigningKeyAsync(string tenant, string device, string keyId, CancellationToken cancellationToken = default)
    {
        var keys = await QuerySigningKeysAsync(tenant, device, keyId, cancellationToken).ConfigureAwait(false);
        return keys.Count == 0 ? null : keys[0];
    }

    public Task<IReadOnlyList<SigningKeyRecord>> ListSigningKeysAsync(string tenant, string device, CancellationToken cancellationToken = default) =>
        QuerySigningKeysAsync(tenant, device, null, cancellationToken);

    private Task<IReadOnlyList<SigningKeyRecord>> QuerySigningKeysAsync(string tenant, string device, string? keyId, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<SigningKeyRecord>>(async connection =>
        {
            await EnsureSigningKeySchemaAsync(connection, cancellationToken).ConfigureAwait(false);
            await using var command = Command(connection, """
                SELECT key_id, public_key, registered_at FROM signing_keys
                WHERE tenant = @t AND device = @d AND (@k::text IS NULL OR key_id = @k) ORDER BY key_id COLLATE "C";
                """, ("t", tenant), ("d", device), ("k", keyId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var keys = new List<SigningKeyRecord>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                keys.Add(new SigningKeyRecord(tenant, device, reader.GetString(0), (byte[])reader.GetValue(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
            }
            return keys;
        }, cancellationToken);
}
