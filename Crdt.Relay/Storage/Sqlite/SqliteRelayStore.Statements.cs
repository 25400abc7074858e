using Microsoft.Data.Sqlite;

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

    private void DisposePrepared()
    {
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }
        _prepared.Clear();
    }
}
