using Microsoft.Data.Sqlite;

namespace Crdt.Relay.Storage.Sqlite;

/// <summary>
/// The default relay store: one SQLite file (<c>relay.db</c>) in a data folder, in WAL mode so
/// readers never wait for the writer. All writes go through one connection and begin
/// IMMEDIATE transactions, which is what makes log positions commit in order (see
/// <see cref="IRelayStore"/>). Reads use pooled connections of their own.
/// </summary>
public sealed partial class SqliteRelayStore : IRelayStore
{
    private const int SchemaVersion = 2;
    private readonly SqliteConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly string _readConnectionString;
    private readonly bool _durableCommits;

    private SqliteRelayStore(SqliteConnection writer, string readConnectionString, bool durableCommits)
    {
        _writer = writer;
        _readConnectionString = readConnectionString;
        _durableCommits = durableCommits;
    }

    /// <summary>The database file inside a data folder.</summary>
    public static string DatabasePath(string dataDirectory) => Path.Combine(dataDirectory, "relay.db");

    /// <summary>
    /// Opens (creating when needed) the store in <paramref name="dataDirectory"/>.
    /// <paramref name="durableCommits"/> = true (the default) makes each commit reach the disk
    /// before it is acknowledged (<c>synchronous=FULL</c>); false survives a process crash but
    /// not a power loss (<c>synchronous=NORMAL</c>).
    /// </summary>
    public static SqliteRelayStore Open(string dataDirectory, bool durableCommits = true)
    {
        Directory.CreateDirectory(dataDirectory);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath(dataDirectory),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        };
        var writer = new SqliteConnection(builder.ConnectionString);
        try
        {
            writer.Open();
            var store = new SqliteRelayStore(writer, builder.ConnectionString, durableCommits);
            store.Configure(writer);
            store.Migrate();
            return store;
        }
        catch (SqliteException e)
        {
            writer.Dispose();
            // Named here, since nothing else could start: which file, and what SQLite said.
            throw new InvalidOperationException($"relay database '{Path.GetFullPath(builder.DataSource)}' cannot be opened: {e.Message}" +
                (e.SqliteErrorCode is 11 or 26 ? "; it is damaged: restore it from a backup" : ""), e);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    private void Configure(SqliteConnection connection)
    {
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, _durableCommits ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
        Execute(connection, "PRAGMA foreign_keys=ON;");
        Execute(connection, "PRAGMA busy_timeout=30000;");
    }

    private void Migrate()
    {
        using var tx = _writer.BeginTransaction(deferred: false);
        var version = Convert.ToInt32(Scalar(_writer, "PRAGMA user_version;", tx));
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"relay.db has schema version {version}, newer than this relay understands ({SchemaVersion})");
        }
        if (version < 1)
        {
            Execute(_writer, """
                CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE tenants(name TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
                CREATE TABLE ops(
                    position INTEGER PRIMARY KEY,
                    tenant TEXT NOT NULL,
                    replica TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    collection TEXT NOT NULL,
                    doc_id TEXT NOT NULL,
                    payload BLOB NOT NULL);
                CREATE UNIQUE INDEX ops_dot ON ops(tenant, replica, seq);
                CREATE INDEX ops_tenant ON ops(tenant);
                CREATE TABLE devices(
                    tenant TEXT NOT NULL REFERENCES tenants(name),
                    name TEXT NOT NULL,
                    role INTEGER NOT NULL,
                    token_hash BLOB NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER,
                    PRIMARY KEY(tenant, name));
                CREATE TABLE pins(
                    tenant TEXT NOT NULL,
                    device TEXT NOT NULL,
                    collection TEXT NOT NULL,
                    doc_id TEXT NOT NULL,
                    pinned_at_position INTEGER NOT NULL,
                    PRIMARY KEY(tenant, device, collection, doc_id));
                INSERT INTO meta(key, value) VALUES('device_epoch', '0');
                PRAGMA user_version = 1;
                """, tx);
        }
        if (version < 2)
        {
            // Which device first pushed each replica id, and the hash of the replica key it showed
            // (null when none): a replica's dots belong to that device or to holders of that key.
            Execute(_writer, """
                CREATE TABLE replica_owners(
                    tenant TEXT NOT NULL,
                    replica TEXT NOT NULL,
                    device TEXT NOT NULL,
                    key_hash BLOB,
                    PRIMARY KEY(tenant, replica));
                PRAGMA user_version = 2;
                """, tx);
        }
        tx.Commit();
    }

    private SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_readConnectionString);
        connection.Open();
        return connection;
    }

    private async Task<T> WriteAsync<T>(Func<SqliteTransaction, T> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // BeginTransaction(deferred: false) is BEGIN IMMEDIATE: the write lock is taken now,
            // before any position is chosen. Disposing without Commit rolls back.
            using var tx = _writer.BeginTransaction(deferred: false);
            BeginLearning();
            var result = work(tx);
            tx.Commit();
            RememberLearnt();
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<string?> GetMetaAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var connection = OpenReader();
        return Scalar(connection, "SELECT value FROM meta WHERE key = $k;", null, ("$k", key)) as string;
    }

    public Task SetMetaAsync(string key, string value, CancellationToken cancellationToken = default) =>
        WriteAsync(tx => Execute(_writer, "INSERT INTO meta(key, value) VALUES($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value;",
            tx, ("$k", key), ("$v", value)), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            DisposePrepared();
            await _writer.DisposeAsync().ConfigureAwait(false);
            SqliteConnection.ClearPool(new SqliteConnection(_readConnectionString));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static int Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, tx, parameters);
        return command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? tx = null, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, tx, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? tx, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }
}
