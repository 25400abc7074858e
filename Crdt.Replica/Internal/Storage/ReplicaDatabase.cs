using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Internal.Storage;

/// <summary>
/// The replica's SQLite file: one connection, WAL, synchronous=NORMAL by default (an edit that
/// returned survives the process being killed) or FULL (also survives power loss), write transactions begun IMMEDIATE so two
/// writers never deadlock upgrading a read lock. All access is serialised by the caller
/// (<see cref="ReplicaStore"/> holds the gate).
/// </summary>
internal sealed class ReplicaDatabase : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    private ReplicaDatabase(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
    }

    public string Path { get; }

    public SqliteConnection Connection => _connection;

    /// <summary>Opens (creating if missing) and migrates the file at <paramref name="path"/>.</summary>
    public static ReplicaDatabase Open(string path, ReplicaDurability durability)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        };
        try
        {
            // Owner-only before SQLite first writes to it; SQLite gives its WAL and shared-memory
            // files the main file's permissions.
            OwnerOnly.EnsureFile(path);
            OwnerOnly.NarrowIfExists(path + "-wal");
            OwnerOnly.NarrowIfExists(path + "-shm");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ReplicaStorageException($"replica file '{path}': cannot be created owner-only: {ex.Message}", ex);
        }
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = 5000;");
            // Deleted content (a signed-out person's token, dropped documents) is overwritten
            // with zeros rather than left in free pages for anyone reading the file's bytes.
            Execute(connection, "PRAGMA secure_delete = ON;");
            var mode = Scalar<string>(connection, "PRAGMA journal_mode = WAL;");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new ReplicaStorageException($"replica file '{path}': could not switch to WAL journaling (got '{mode}')");
            }
            Execute(connection, durability == ReplicaDurability.Full
                ? "PRAGMA synchronous = FULL;"
                : "PRAGMA synchronous = NORMAL;");
            var database = new ReplicaDatabase(connection, path);
            database.Migrate();
            return database;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw StorageErrors.From(ex, path, "open");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public int UserVersion => (int)Scalar<long>(_connection, "PRAGMA user_version;");

    private void Migrate()
    {
        var version = UserVersion;
        if (version > ReplicaSchema.CurrentVersion)
        {
            throw new ReplicaStorageException(
                $"replica file '{Path}' has format version {version}; this build reads up to {ReplicaSchema.CurrentVersion}. Update the app.");
        }
        for (var step = version; step < ReplicaSchema.CurrentVersion; step++)
        {
            using var transaction = _connection.BeginTransaction();
            Execute(_connection, ReplicaSchema.Migrations[step], transaction);
            // user_version cannot take a parameter; the value is our own integer.
            Execute(_connection, $"PRAGMA user_version = {step + 1};", transaction);
            transaction.Commit();
        }
    }

    /// <summary>Begins a write transaction (BEGIN IMMEDIATE; rolled back on dispose unless committed).</summary>
    public SqliteTransaction BeginWrite() => _connection.BeginTransaction(deferred: false);

    /// <summary>
    /// Runs <paramref name="body"/> in one IMMEDIATE write transaction whose BEGIN, COMMIT and
    /// ROLLBACK are statements prepared once per connection. <see cref="BeginWrite"/> makes a
    /// transaction object and parses and finalises BEGIN and COMMIT again on every call, about a
    /// tenth of a single durable edit's cost (issue 18). The connection knows of no
    /// <see cref="SqliteTransaction"/> here: commands inside run with no transaction object. Any
    /// failure, COMMIT's included, rolls everything back and is rethrown.
    /// </summary>
    public void InPreparedTransaction(Action body)
    {
        _begin ??= Raw("BEGIN IMMEDIATE");
        _commit ??= Raw("COMMIT");
        _begin.Run();
        try
        {
            body();
            _commit.Run();
        }
        catch
        {
            RollBackIfOpen();
            throw;
        }
    }

    private RawStatement? _begin;
    private RawStatement? _commit;
    private RawStatement? _rollback;

    /// <summary>A statement for every single edit, stepped straight through SQLite (<see cref="RawStatement"/>); disposed with the database.</summary>
    public RawStatement Raw(string sql)
    {
        var statement = new RawStatement(_connection, sql);
        _raw.Add(statement);
        return statement;
    }

    private readonly List<RawStatement> _raw = [];

    /// <summary>Rolls back the open transaction, if SQLite has not already ended it (some I/O errors do).</summary>
    private void RollBackIfOpen()
    {
        if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) != 0)
        {
            return;
        }
        try
        {
            (_rollback ??= Raw("ROLLBACK")).Run();
        }
        catch (SqliteException)
        {
            // The failure that got us here is the one to report; SQLite rolls back a transaction
            // it could not end when the connection closes.
        }
    }

    public SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    /// <summary>
    /// A command for a statement used on every edit, prepared once and reused (parsing the SQL
    /// again on every edit costs more than the insert). Not to be disposed by the caller.
    /// </summary>
    public SqliteCommand Prepared(string sql, SqliteTransaction? transaction)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            _prepared.Add(sql, command);
        }
        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    internal static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    private static T Scalar<T>(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)command.ExecuteScalar()!;
    }

    /// <summary>Folds the WAL into the main file so the file can be copied or backed up alone.</summary>
    public void Checkpoint() => Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE);");

    public void Dispose()
    {
        // Statements first: the connection closes only once none is left.
        foreach (var statement in _raw)
        {
            statement.Dispose();
        }
        _raw.Clear();
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }
        _prepared.Clear();
        _connection.Dispose();
    }
}
