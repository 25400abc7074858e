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

    // Rows per op-inserting statement, largest first: a batch goes in as many of the largest as fit,
    // then the smaller ones (a push of 250: 7 x 32, 3 x 8, 2 x 1). Each size is prepared at its first use.
    private static readonly int[] InsertRowCounts = [32, 8, 1];
    private readonly OpRowsInsert?[] _insertOps = new OpRowsInsert?[InsertRowCounts.Length];

    /// <summary>
    /// Inserts the op rows <paramref name="ops"/>[i] for each i of <paramref name="indexes"/>, at their positions, inside the
    /// current write transaction. The hottest statements of the relay (a row per stored op) run on SQLite's
    /// own API, prepared once, several rows at a time (see <see cref="OpRowsInsert"/>): through ADO.NET each
    /// row paid a look-up of every parameter by name and its boxing.
    /// </summary>
    private void InsertOps(string tenant, IReadOnlyList<OpRecord> ops, long[] positions, int[] indexes)
    {
        var db = _writer.Handle!;
        var (done, count) = (0, indexes.Length);
        for (var size = 0; size < InsertRowCounts.Length; size++)
        {
            var rows = InsertRowCounts[size];
            while (count - done >= rows)
            {
                var insert = _insertOps[size] ??= OpRowsInsert.Prepare(db, rows);
                insert.Run(db, tenant, ops, positions, indexes, done);
                done += rows;
            }
        }
    }

    private void DisposePrepared()
    {
        for (var i = 0; i < _insertOps.Length; i++)
        {
            _insertOps[i]?.Dispose();
            _insertOps[i] = null;
        }
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }
        _prepared.Clear();
    }
}
