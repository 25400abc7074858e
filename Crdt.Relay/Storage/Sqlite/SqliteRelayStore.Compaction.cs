using Microsoft.Data.Sqlite;

namespace Crdt.Relay.Storage.Sqlite;

public sealed partial class SqliteRelayStore : ICompactionStore
{
    // The bounded-history tables are created on first use (IF NOT EXISTS), so stores made before
    // them open unchanged and the numbered migrations stay free for other features.
    private const string CompactionSchema = """
        CREATE TABLE IF NOT EXISTS device_acks(
            tenant TEXT NOT NULL,
            device TEXT NOT NULL,
            position INTEGER NOT NULL,
            replica TEXT NOT NULL,
            made_through INTEGER NOT NULL,
            since INTEGER NOT NULL,
            PRIMARY KEY(tenant, device));
        CREATE TABLE IF NOT EXISTS document_bases(
            tenant TEXT NOT NULL,
            collection TEXT NOT NULL,
            doc_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            snapshot BLOB NOT NULL,
            PRIMARY KEY(tenant, collection, doc_id));
        CREATE TABLE IF NOT EXISTS compacted_through(
            tenant TEXT PRIMARY KEY,
            position INTEGER NOT NULL);
        """;

    private volatile bool _compactionSchemaReady;

    private async Task EnsureCompactionSchemaAsync(CancellationToken cancellationToken)
    {
        if (_compactionSchemaReady)
        {
            return;
        }

        await WriteAsync(tx => Execute(_writer, CompactionSchema, tx), cancellationToken).ConfigureAwait(false);
        _compactionSchemaReady = true;
    }

    public async Task RecordAcknowledgementAsync(string tenant, string device, long position, string replica, long madeThrough, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await EnsureCompactionSchemaAsync(cancellationToken).ConfigureAwait(false);
        await WriteAsync(tx => Execute(_writer, """
            INSERT INTO device_acks(tenant, device, position, replica, made_through, since) VALUES($t, $d, $p, $r, $m, $now)
            ON CONFLICT(tenant, device) DO UPDATE SET
                since = CASE WHEN excluded.position > position THEN excluded.since ELSE since END,
                replica = CASE WHEN excluded.position >= position THEN excluded.replica ELSE replica END,
                made_through = CASE WHEN excluded.position >= position THEN excluded.made_through ELSE made_through END,
                position = max(position, excluded.position);
            """, tx, ("$t", tenant), ("$d", device), ("$p", position), ("$r", replica), ("$m", madeThrough), ("$now", now.ToUnixTimeMilliseconds())),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AckRecord>> ListAcknowledgementsAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await EnsureCompactionSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = OpenReader();
        using var command = Command(connection, "SELECT device, position, replica, made_through, since FROM device_acks WHERE tenant = $t ORDER BY device;", null, [("$t", tenant)]);
        using var reader = command.ExecuteReader();
        var acks = new List<AckRecord>();
        while (reader.Read())
        {
            acks.Add(new AckRecord(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }
        return acks;
    }

    public async Task<IReadOnlyList<BaseRecord>> ReadBasesAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await EnsureCompactionSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = OpenReader();
        using var command = Command(connection, "SELECT collection, doc_id, position, snapshot FROM document_bases WHERE tenant = $t;", null, [("$t", tenant)]);
        using var reader = command.ExecuteReader();
        var bases = new List<BaseRecord>();
        while (reader.Read())
        {
            bases.Add(new BaseRecord(new StoreDocumentKey(reader.GetString(0), reader.GetString(1)), reader.GetInt64(2), (byte[])reader.GetValue(3)));
        }
        return bases;
    }

    public async Task<int> ReplaceWithBasesAsync(string tenant, IReadOnlyList<BaseRecord> bases, IReadOnlyCollection<long> deletePositions, long compactedThrough, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bases);
        ArgumentNullException.ThrowIfNull(deletePositions);
        await EnsureCompactionSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await WriteAsync(tx =>
        {
            foreach (var record in bases)
            {
                Execute(_writer, """
                    INSERT INTO document_bases(tenant, collection, doc_id, position, snapshot) VALUES($t, $c, $i, $p, $s)
                    ON CONFLICT(tenant, collection, doc_id) DO UPDATE SET position = excluded.position, snapshot = excluded.snapshot
                    WHERE excluded.position >= document_bases.position;
                    """, tx, ("$t", tenant), ("$c", record.Document.Collection), ("$i", record.Document.Id), ("$p", record.Position), ("$s", record.Snapshot));
            }
            var deleted = 0;
            foreach (var position in deletePositions)
            {
                deleted += Execute(_writer, "DELETE FROM ops WHERE tenant = $t AND position = $p;", tx, ("$t", tenant), ("$p", position));
            }
            Execute(_writer, """
                INSERT INTO compacted_through(tenant, position) VALUES($t, $p)
                ON CONFLICT(tenant) DO UPDATE SET position = max(position, excluded.position);
                """, tx, ("$t", tenant), ("$p", compactedThrough));
            return deleted;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> GetCompactedThroughAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await EnsureCompactionSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = OpenReader();
        return Convert.ToInt64(Scalar(connection, "SELECT coalesce(max(position), 0) FROM compacted_through WHERE tenant = $t;", null, ("$t", tenant)));
    }

    public async Task<long> GetHistoryBytesAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await EnsureCompactionSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = OpenReader();
        return Convert.ToInt64(Scalar(connection, """
            SELECT coalesce((SELECT sum(length(payload)) FROM ops WHERE tenant = $t), 0)
                 + coalesce((SELECT sum(length(snapshot)) FROM document_bases WHERE tenant = $t), 0);
            """, null, ("$t", tenant)));
    }

    /// <summary>Reclaims the space deleted log ops left (a stopped relay only: VACUUM rewrites the file, atomically).</summary>
    public Task VacuumAsync(CancellationToken cancellationToken = default) =>
        WriteVacuumAsync(cancellationToken);

    private async Task WriteVacuumAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DisposePrepared();
            Execute(_writer, "PRAGMA wal_checkpoint(TRUNCATE);");
            Execute(_writer, "VACUUM;");
            Execute(_writer, "PRAGMA wal_checkpoint(TRUNCATE);");
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
