using Microsoft.Data.Sqlite;

namespace Crdt.Relay.Storage.Sqlite;

public sealed partial class SqliteRelayStore : ISigningKeyStore
{
    // Created on first use (IF NOT EXISTS), like the compaction tables: older stores open unchanged
    // and the numbered migrations stay free for other features.
    private const string SigningKeySchema = """
        CREATE TABLE IF NOT EXISTS signing_keys(
            tenant TEXT NOT NULL,
            device TEXT NOT NULL,
            key_id TEXT NOT NULL,
            public_key BLOB NOT NULL,
            registered_at INTEGER NOT NULL,
            PRIMARY KEY(tenant, device, key_id));
        """;

    private volatile bool _signingKeySchemaReady;

    private async Task EnsureSigningKeySchemaAsync(CancellationToken cancellationToken)
    {
        if (_signingKeySchemaReady)
        {
            return;
        }

        await WriteAsync(tx => Execute(_writer, SigningKeySchema, tx), cancellationToken).ConfigureAwait(false);
        _signingKeySchemaReady = true;
    }

    public async Task RegisterSigningKeyAsync(string tenant, string device, string keyId, byte[] publicKey, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await EnsureSigningKeySchemaAsync(cancellationToken).ConfigureAwait(false);
        await WriteAsync(tx => Execute(_writer, """
            INSERT INTO signing_keys(tenant, device, key_id, public_key, registered_at) VALUES($t, $d, $k, $p, $at)
            ON CONFLICT(tenant, device, key_id) DO NOTHING;
            """, tx, ("$t", tenant), ("$d", device), ("$k", keyId), ("$p", publicKey), ("$at", now.ToUnixTimeMilliseconds())),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<SigningKeyRecord?> FindSigningKeyAsync(string tenant, string device, string keyId, CancellationToken cancellationToken = default)
    {
        var keys = await QuerySigningKeysAsync(tenant, device, keyId, cancellationToken).ConfigureAwait(false);
        return keys.Count == 0 ? null : keys[0];
    }

    public Task<IReadOnlyList<SigningKeyRecord>> ListSigningKeysAsync(string tenant, string device, CancellationToken cancellationToken = default) =>
        QuerySigningKeysAsync(tenant, device, null, cancellationToken);

    private async Task<IReadOnlyList<SigningKeyRecord>> QuerySigningKeysAsync(string tenant, string device, string? keyId, CancellationToken cancellationToken)
    {
        await EnsureSigningKeySchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = OpenReader();
        using var command = Command(connection, """
            SELECT key_id, public_key, registered_at FROM signing_keys
            WHERE tenant = $t AND device = $d AND ($k IS NULL OR key_id = $k) ORDER BY key_id;
            """, null, [("$t", tenant), ("$d", device), ("$k", keyId)]);
        using var reader = command.ExecuteReader();
        var keys = new List<SigningKeyRecord>();
        while (reader.Read())
        {
            keys.Add(new SigningKeyRecord(tenant, device, reader.GetString(0), (byte[])reader.GetValue(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }
        return keys;
    }
}
