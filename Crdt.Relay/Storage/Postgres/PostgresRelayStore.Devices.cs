using Npgsql;

namespace Crdt.Relay.Storage.Postgres;

public sealed partial class PostgresRelayStore
{
    private const string DeviceColumns = "tenant, name, role, created_at, revoked_at";

    public Task<TenantRecord> EnsureTenantAsync(string name, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        RunAsync(connection => EnsureTenantAsync(connection, null, name, now, cancellationToken), cancellationToken);

    private static async Task<TenantRecord> EnsureTenantAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string name, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        // DO UPDATE (a no-op) rather than DO NOTHING so RETURNING also yields an existing row.
        await using var command = Command(connection, tx, """
            INSERT INTO tenants(name, created_at) VALUES(@n, @at)
            ON CONFLICT(name) DO UPDATE SET created_at = tenants.created_at
            RETURNING created_at;
            """, ("n", name), ("at", now.ToUnixTimeMilliseconds()));
        var createdAt = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return new TenantRecord(name, DateTimeOffset.FromUnixTimeMilliseconds(createdAt));
    }

    public Task<IReadOnlyList<TenantRecord>> ListTenantsAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<TenantRecord>>(async connection =>
        {
            await using var command = Command(connection, "SELECT name, created_at FROM tenants ORDER BY name COLLATE \"C\";");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var tenants = new List<TenantRecord>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tenants.Add(new TenantRecord(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))));
            }
            return tenants;
        }, cancellationToken);

    public Task<DeviceRecord> AddDeviceAsync(NewDevice device, CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await EnsureTenantAsync(connection, tx, device.Tenant, device.CreatedAt, cancellationToken).ConfigureAwait(false);
            await using (var insert = Command(connection, tx, """
                INSERT INTO devices(tenant, name, role, token_hash, created_at) VALUES(@t, @n, @r, @h, @at)
                ON CONFLICT(tenant, name) DO NOTHING;
                """, ("t", device.Tenant), ("n", device.Name), ("r", (int)device.Role), ("h", device.TokenHash),
                ("at", device.CreatedAt.ToUnixTimeMilliseconds())))
            {
                if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    throw new DeviceNameTakenException(device.Tenant, device.Name);
                }
            }
            await BumpDeviceEpochAsync(connection, tx, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new DeviceRecord(device.Tenant, device.Name, device.Role,
                DateTimeOffset.FromUnixTimeMilliseconds(device.CreatedAt.ToUnixTimeMilliseconds()), null);
        }, cancellationToken);

    public Task<DeviceRecord?> FindDeviceByTokenHashAsync(byte[] tokenHash, CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            var devices = await QueryDevicesAsync(connection, null, "WHERE token_hash = @h", cancellationToken, ("h", tokenHash)).ConfigureAwait(false);
            return devices.Count == 0 ? null : devices[0];
        }, cancellationToken);

    public Task<IReadOnlyList<DeviceRecord>> ListDevicesAsync(string? tenant, bool includeRevoked, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<DeviceRecord>>(async connection =>
        {
            var where = (tenant, includeRevoked) switch
            {
                (null, true) => "",
                (null, false) => "WHERE revoked_at IS NULL",
                (_, true) => "WHERE tenant = @t",
                (_, false) => "WHERE tenant = @t AND revoked_at IS NULL",
            };
            const string order = " ORDER BY tenant COLLATE \"C\", name COLLATE \"C\"";
            return tenant is null
                ? await QueryDevicesAsync(connection, null, where + order, cancellationToken).ConfigureAwait(false)
                : await QueryDevicesAsync(connection, null, where + order, cancellationToken, ("t", tenant)).ConfigureAwait(false);
        }, cancellationToken);

    public Task<DeviceRecord?> RevokeDeviceAsync(string tenant, string name, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var revoke = Command(connection, tx, "UPDATE devices SET revoked_at = @at WHERE tenant = @t AND name = @n AND revoked_at IS NULL;",
                ("at", now.ToUnixTimeMilliseconds()), ("t", tenant), ("n", name)))
            {
                if (await revoke.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0)
                {
                    await BumpDeviceEpochAsync(connection, tx, cancellationToken).ConfigureAwait(false);
                }
            }
            var found = await QueryDevicesAsync(connection, tx, "WHERE tenant = @t AND name = @n", cancellationToken, ("t", tenant), ("n", name))
                .ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return found.Count == 0 ? null : found[0];
        }, cancellationToken);

    /// <summary>Every relay process polls this number (see <see cref="IRelayStore.GetDeviceEpochAsync"/>),
    /// so a revocation made through any node or the CLI reaches the streams of all of them.</summary>
    private static async Task BumpDeviceEpochAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken cancellationToken)
    {
        await using var bump = Command(connection, tx, "UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'device_epoch';");
        await bump.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<long> GetDeviceEpochAsync(CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            await using var command = Command(connection, "SELECT value::bigint FROM meta WHERE key = 'device_epoch';");
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }, cancellationToken);

    public Task SetPinAsync(string tenant, string device, StoreDocumentKey document, bool pinned, CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            await using var command = pinned
                ? Command(connection, """
                    INSERT INTO pins(tenant, device, collection, doc_id, pinned_at_position)
                    VALUES(@t, @d, @c, @i, coalesce((SELECT head FROM tenants WHERE name = @t), 0))
                    ON CONFLICT DO NOTHING;
                    """, ("t", tenant), ("d", device), ("c", document.Collection), ("i", document.Id))
                : Command(connection, "DELETE FROM pins WHERE tenant = @t AND device = @d AND collection = @c AND doc_id = @i;",
                    ("t", tenant), ("d", device), ("c", document.Collection), ("i", document.Id));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<IReadOnlyList<PinRecord>> ListPinsAsync(string tenant, string device, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<PinRecord>>(async connection =>
        {
            await using var command = Command(connection, """
                SELECT collection, doc_id, pinned_at_position FROM pins
                WHERE tenant = @t AND device = @d ORDER BY collection COLLATE "C", doc_id COLLATE "C";
                """, ("t", tenant), ("d", device));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var pins = new List<PinRecord>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                pins.Add(new PinRecord(new StoreDocumentKey(reader.GetString(0), reader.GetString(1)), reader.GetInt64(2)));
            }
            return pins;
        }, cancellationToken);

    private static async Task<List<DeviceRecord>> QueryDevicesAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string tail,
        CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, tx, $"SELECT {DeviceColumns} FROM devices {tail};", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var devices = new List<DeviceRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            devices.Add(new DeviceRecord(
                reader.GetString(0),
                reader.GetString(1),
                (DeviceRoleKind)reader.GetInt32(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                reader.IsDBNull(4) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }
        return devices;
    }
}
