using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Crdt.Relay.Storage.Sqlite;

/// <summary>
/// One prepared <c>INSERT INTO ops ... VALUES (...), (...), ...</c> of a fixed number of rows, run on
/// SQLite's own API. Several rows per statement: each step of a statement opens the table's and both
/// indexes' cursors, seeks them from the root and closes them again, and each call crosses into native
/// code through a SafeHandle; a batch of 250 ops paid that 250 times. Text parameters keep their value
/// between runs (<c>sqlite3_reset</c> does not clear bindings), so a text equal to the one already bound
/// there (the tenant, the pushing replica, the collection: the same in nearly every row of a push) is not
/// bound and converted to UTF-8 again. Used only on the writer connection, under the store's write lock.
/// </summary>
internal sealed class OpRowsInsert : IDisposable
{
    private const int Columns = 7;
    private readonly sqlite3_stmt _statement;
    // The text each parameter holds now (at its number - 1); null when none is known to be bound.
    private readonly string?[] _boundText;

    private OpRowsInsert(sqlite3_stmt statement, int rows)
    {
        _statement = statement;
        Rows = rows;
        _boundText = new string?[rows * Columns];
    }

    /// <summary>Rows each run inserts.</summary>
    public int Rows { get; }

    public static OpRowsInsert Prepare(sqlite3 db, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        var sql = "INSERT INTO ops(position, tenant, replica, seq, collection, doc_id, payload) VALUES " +
            string.Join(", ", Enumerable.Repeat("(?, ?, ?, ?, ?, ?, ?)", rows)) + ";";
        Check(raw.sqlite3_prepare_v2(db, sql, out var statement), db);
        return new OpRowsInsert(statement, rows);
    }

    /// <summary>Inserts <see cref="Rows"/> ops: <paramref name="ops"/>[<paramref name="indexes"/>[start + r]]
    /// at <paramref name="positions"/>[the same index], for r below <see cref="Rows"/>.</summary>
    public void Run(sqlite3 db, string tenant, IReadOnlyList<OpRecord> ops, long[] positions, int[] indexes, int start)
    {
        try
        {
            for (var r = 0; r < Rows; r++)
            {
                var index = indexes[start + r];
                var op = ops[index];
                var before = r * Columns; // parameters of the rows before this one (numbers start at 1)
                Check(raw.sqlite3_bind_int64(_statement, before + 1, positions[index]), db);
                BindText(db, before + 2, tenant);
                BindText(db, before + 3, op.Replica);
                Check(raw.sqlite3_bind_int64(_statement, before + 4, op.Sequence), db);
                BindText(db, before + 5, op.Document.Collection);
                BindText(db, before + 6, op.Document.Id);
                Check(raw.sqlite3_bind_blob(_statement, before + 7, op.Payload), db);
            }
            var rc = raw.sqlite3_step(_statement);
            if (rc != raw.SQLITE_DONE)
            {
                Check(rc, db);
            }
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Binds text to parameter <paramref name="number"/> unless it holds that text already. Bound from the string's UTF-16 (SQLite copies and converts it), without a UTF-8 array;
    /// an empty span would reach SQLite as a null pointer, which binds NULL, so empty text is bound as UTF-8.</summary>
    private void BindText(sqlite3 db, int number, string value)
    {
        if (string.Equals(_boundText[number - 1], value, StringComparison.Ordinal))
        {
            return;
        }

        _boundText[number - 1] = null; // unknown until the bind succeeds
        Check(value.Length == 0
            ? raw.sqlite3_bind_text(_statement, number, value)
            : raw.sqlite3_bind_text16(_statement, number, value.AsSpan()), db);
        _boundText[number - 1] = value;
    }

    public static void Check(int rc, sqlite3 db)
    {
        if (rc is raw.SQLITE_OK or raw.SQLITE_DONE or raw.SQLITE_ROW)
        {
            return;
        }

        throw new SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(db).utf8_to_string()}'.", rc, raw.sqlite3_extended_errcode(db));
    }

    public void Dispose() => _statement.Dispose();
}
