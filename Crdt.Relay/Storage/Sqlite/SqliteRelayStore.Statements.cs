using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Crdt.Relay.Storage.Sqlite;

public sealed partial class SqliteRelayStore
{
    // The append path's statements on the writer connection, prepared once and reused: SQLite
    // parses and plans each once instead of once per push (or per row), and binding a handful of
    // named parameters stays cheap. Used only under the write lock, like the connection itself.
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    /// <summary>The prepared command for <paramref name="sql"/>, joined to <paramref name="tx"/>, its
    /// parameters (created once, in the order named) ready for new values.</summary>
    private SqliteCommand Prepared(string sql, SqliteTransaction tx, params string[] parameterNames)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = _writer.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameterNames)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
            _prepared[sql] = command;
        }
        command.Transaction = tx;
        return command;
    }

    private static SqliteCommand With(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        return command;
    }

    private const string InsertOpSql = "INSERT INTO ops(position, tenant, replica, seq, collection, doc_id, payload) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7);";
    private sqlite3_stmt? _insertOp;

    /// <summary>
    /// Inserts one op row inside the current write transaction. The hottest statement of the
    /// relay (one per stored op) runs on SQLite's own API, prepared once and bound by position:
    /// through ADO.NET each row paid a lookup of every parameter by name and its boxing. Text is
    /// bound as the strings' own UTF-16 (SQLite copies and converts it to the database's UTF-8):
    /// binding a string converts it into a new UTF-8 array first, four per row.
    /// </summary>
    private void InsertOp(long position, string tenant, OpRecord op)
    {
        var db = _writer.Handle!;
        if (_insertOp is null)
        {
            Check(raw.sqlite3_prepare_v2(db, InsertOpSql, out var prepared), db);
            _insertOp = prepared;
        }
        var statement = _insertOp;
        try
        {
            Check(raw.sqlite3_bind_int64(statement, 1, position), db);
            Check(BindText(statement, 2, tenant), db);
            Check(BindText(statement, 3, op.Replica), db);
            Check(raw.sqlite3_bind_int64(statement, 4, op.Sequence), db);
            Check(BindText(statement, 5, op.Document.Collection), db);
            Check(BindText(statement, 6, op.Document.Id), db);
            Check(raw.sqlite3_bind_blob(statement, 7, op.Payload), db);
            var rc = raw.sqlite3_step(statement);
            if (rc != raw.SQLITE_DONE)
            {
                Check(rc, db);
            }
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }

    /// <summary>Binds text from its UTF-16 without a conversion array. An empty span would reach SQLite
    /// as a null pointer, which binds NULL, not empty text: empty strings take the converting path.</summary>
    private static int BindText(sqlite3_stmt statement, int index, string value) =>
        value.Length == 0 ? raw.sqlite3_bind_text(statement, index, value) : raw.sqlite3_bind_text16(statement, index, value.AsSpan());

    private static void Check(int rc, sqlite3 db)
    {
        if (rc is raw.SQLITE_OK or raw.SQLITE_DONE or raw.SQLITE_ROW)
        {
            return;
        }

        throw new SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(db).utf8_to_string()}'.", rc, raw.sqlite3_extended_errcode(db));
    }

    private void DisposePrepared()
    {
        _insertOp?.Dispose();
        _insertOp = null;
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }
        _prepared.Clear();
    }
}
