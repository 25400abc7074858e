using Microsoft.Data.Sqlite;

namespace Crdt.Relay.Storage.Sqlite;

public sealed partial class SqliteRelayStore
{
    public Task<TenantRecord> EnsureTenantAsync(string name, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(tx => EnsureTenant(name, now, tx), cancellationToken);

    private TenantRecord EnsureTenant(string name, DateTimeOffset now, SqliteTransaction tx)
    {
        Execute(_writer, "INSERT INTO tenants(name, created_at) VALUES($n, $at) ON CONFLICT(name) DO NOTHING;",
            tx, ("$n", name), ("$at", now.ToUnixTimeMilliseconds()));
        var createdAt = Convert.ToInt64(Scalar(_writer, "SELECT created_at FROM tenants WHERE name = $n;", tx, ("$n", name)));
        return new TenantRecord(name, DateTimeOffset.FromUnixTimeMilliseconds(createdAt));
    }

    public async Task<IReadOnlyList<TenantRecord>> ListTenantsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, created_at FROM tenants ORDER BY name;";
        using var reader = command.ExecuteReader();
        var tenants = new List<TenantRecord>();
        while (reader.Read())
        {
            tenants.Add(new TenantRecord(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))));
        }
        return tenants;
    }

    public Task<DeviceRecord> AddDeviceAsync(NewDevice device, CancellationToken cancellationToken = default) =>
        WriteAsync(tx =>
        {
            EnsureTenant(device.Tenant, device.CreatedAt, tx);
            var taken = Scalar(_writer, "SELECT 1 FROM devices WHERE tenant = $t AND name = $n;", tx, ("$t", device.Tenant), ("$n", device.Name));
            if (taken is not null)
            {
                throw new DeviceNameTakenException(device.Tenant, device.Name);
            }
            Execute(_writer, """
                INSERT INTO devices(tenant, name, role, token_hash, created_at) VALUES($t, $n, $r, $h, $at);
                UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'device_epoch';
                """, tx, ("$t", device.Tenant), ("$n", device.Name), ("$r", (int)device.Role), ("$h", device.TokenHash),
                ("$at", device.CreatedAt.ToUnixTimeMilliseconds()));
            return new DeviceRecord(device.Tenant, device.Name, device.Role,
                DateTimeOffset.FromUnixTimeMilliseconds(device.CreatedAt.ToUnixTimeMilliseconds()), null);
        }, cancellationToken);

    public async Task<DeviceRecord?> FindDeviceByTokenHashAsync(byte[] tokenHash, CancellationToken cancellationToken = default)
    {
        await using var connection = OpenReader();
        var devices = QueryDevices(connection, null, "WHERE token_hash = $h", ("$h", tokenHash));
        return devices.Count == 0 ? null : devices[0];
    }

    public async Task<IReadOnlyList<DeviceRecord>> ListDevicesAsync(string? tenant, bool includeRevoked, CancellationToken cancellationToken = default)
    {
        await using var connection = OpenReader();
        var where = (tenant, includeRevoked) switch
        {
            (null, true) => "",
            (null, false) => "WHERE revoked_at IS NULL",
            (_, true) => "WHERE tenant = $t",
            (_, false) => "WHERE tenant = $t AND revoked_at IS NULL",
        };
        return tenant is null
            ? QueryDevices(connection, null, where + " ORDER BY tenant, name")
            : QueryDevices(connection, null, where + " ORDER BY tenant, name", ("$t", tenant));
    }

    public Task<DeviceRecord?> RevokeDeviceAsync(string tenant, string name, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(tx =>
        {
            var changed = Execute(_writer, "UPDATE devices SET revoked_at = $at WHERE tenant = $t AND name = $n AND revoked_at IS NULL;",
                tx, ("$at", now.ToUnixTimeMilliseconds()), ("$t", tenant), ("$n", name));
            if (changed > 0)
            {
                Execute(_writer, "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'device_epoch';", tx);
            }
            var found = QueryDevices(_writer, tx, "WHERE tenant = $t AND name = $n", ("$t", tenant), ("$n", name));
            return found.Count == 0 ? null : found[0];
        }, cancellationToken);

    public async Task<long> GetDeviceEpochAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = OpenReader();
        return Convert.ToInt64(Scalar(connection, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'device_epoch';"));
    }

    public Task SetPinAsync(string tenant, string device, StoreDocumentKey document, bool pinned, CancellationToken cancellationToken = default) =>
        WriteAsync(tx => pinned
            ? Execute(_writer, """
                INSERT INTO pins(tenant, device, collection, doc_id, pinned_at_position)
                VALUES($t, $d, $c, $i, (SELECT coalesce(max(position), 0) FROM ops WHERE tenant = $t))
                ON CONFLICT DO NOTHING;
                """, tx, ("$t", tenant), ("$d", device), ("$c", document.Collection), ("$i", document.Id))
            : Execute(_writer, "DELETE FROM pins WHERE tenant = $t AND device = $d AND collection = $c AND doc_id = $i;",
                tx, ("$t", tenant), ("$d", device), ("$c", document.Collection), ("$i", document.Id)),
            cancellationToken);

    public async Task<IReadOnlyList<PinRecord>> ListPinsAsync(string tenant, string device, CancellationToken cancellationToken = default)
    {
        await using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT collection, doc_id, pinned_at_position FROM pins
            WHERE tenant = $t AND device = $d ORDER BY collection, doc_id;
            """;
        command.Parameters.AddWithValue("$t", tenant);
        command.Parameters.AddWithValue("$d", device);
        using var reader = command.ExecuteReader();
        var pins = new List<PinRecord>();
        while (reader.Read())
        {
            pins.Add(new PinRecord(new StoreDocumentKey(reader.GetString(0), reader.GetString(1)), reader.GetInt64(2)));
        }
        return pins;
    }

    private static List<DeviceRecord> QueryDevices(SqliteConnection connection, SqliteTransaction? tx, string tail,
        params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, $"SELECT tenant, name, role, created_at, revoked_at FROM devices {tail};", tx, parameters);
        using var reader = command.ExecuteReader();
        var devices = new List<DeviceRecord>();
        while (reader.Read())
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
