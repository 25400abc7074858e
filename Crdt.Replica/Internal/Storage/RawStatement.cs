using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Crdt.Replica.Internal.Storage;

/// <summary>
/// One SQL statement prepared once on the connection and stepped straight through SQLite, for
/// the few statements every single edit runs (BEGIN, the op's two inserts, COMMIT). A
/// <see cref="SqliteCommand"/> makes a data reader, statement enumerators, a binder per parameter
/// and a UTF-8 copy of every string on each execution: about a third of what an edit allocated
/// once the rest was trimmed (issue 18). Failures surface as <see cref="SqliteException"/>, as
/// they do from a command. Dispose before the connection closes.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    // Strings up to this many UTF-8 bytes are encoded on the stack; longer ones through SQLitePCL.
    private const int StackBytes = 512;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the replica file's connection is not open");
        var rc = raw.sqlite3_prepare_v2(_db, sql, out _statement);
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Bind(int index, byte[] value) => Check(raw.sqlite3_bind_blob(_statement, index, value));

    public void Bind(int index, string value)
    {
        if (value.Length * 3 > StackBytes)
        {
            Check(raw.sqlite3_bind_text(_statement, index, value));
            return;
        }
        Span<byte> utf8 = stackalloc byte[StackBytes];
        var length = Encoding.UTF8.GetBytes(value, utf8);
        Check(raw.sqlite3_bind_text(_statement, index, utf8[..length]));
    }

    /// <summary>Runs the statement to its end (it returns no rows) and makes it ready to run again.</summary>
    public void Run()
    {
        var rc = raw.sqlite3_step(_statement);
        // Reset at once: a statement left mid-way would hold the transaction's read position.
        raw.sqlite3_reset(_statement);
        raw.sqlite3_clear_bindings(_statement);
        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc == raw.SQLITE_ROW ? raw.SQLITE_MISUSE : rc, _db);
        }
    }

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _db);

    public void Dispose() => _statement.Dispose();
}
