using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Crdt.Load;

/// <summary>
/// The ceiling under the replica's durable edits: the same SQLite setup as a replica file (WAL,
/// one connection, BEGIN IMMEDIATE) committing one small row per transaction and nothing else,
/// in the same folder. With synchronous=FULL every commit waits for an fsync of the WAL, so this
/// is the disk's bound; with NORMAL it is SQLite's own per-transaction cost.
/// </summary>
internal static class RawSqliteBound
{
    public static void Measure(TextWriter output, string folder, int transactions, bool full)
    {
        var path = Path.Combine(folder, $"raw-{(full ? "full" : "normal")}.db");
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        Execute(connection, full ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");
        Execute(connection, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB NOT NULL);");
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO t(id, v) VALUES($i, $v)";
        var id = insert.Parameters.Add("$i", SqliteType.Integer);
        var value = insert.Parameters.Add("$v", SqliteType.Blob);
        value.Value = new byte[64];

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var ioBefore = ProcessIo.Read();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < transactions; i++)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            insert.Transaction = transaction;
            id.Value = i;
            insert.ExecuteNonQuery();
            transaction.Commit();
        }
        clock.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        output.WriteLine(
            $"raw SQLite bound ({(full ? "synchronous=FULL" : "synchronous=NORMAL")}, WAL, one 64-byte row per transaction): " +
            $"{transactions} transactions in {clock.Elapsed.TotalMilliseconds:F0} ms = {transactions / clock.Elapsed.TotalSeconds:F0} tx/s, " +
            $"CPU {cpu.TotalMicroseconds / transactions:F0} µs/tx{ProcessIo.PerEdit(ioBefore, ProcessIo.Read(), transactions).Replace("/edit", "/tx")}");
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
