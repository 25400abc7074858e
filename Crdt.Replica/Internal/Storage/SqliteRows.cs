using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Internal.Storage;

/// <summary>
/// The one reader loop of the replica file's queries: run the command and turn every row into a
/// value, with the row shapes several queries share (a document key, an op as stored).
/// </summary>
internal static class SqliteRows
{
    /// <summary>Every row of <paramref name="command"/>'s result, in order, each made by <paramref name="row"/>.</summary>
    public static List<T> ReadAll<T>(this SqliteCommand command, Func<SqliteDataReader, T> row)
    {
        var rows = new List<T>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(row(reader));
        }
        return rows;
    }

    /// <summary>Columns (collection, doc_id).</summary>
    public static (string Collection, string DocId) DocumentKey(SqliteDataReader reader) => (reader.GetString(0), reader.GetString(1));

    /// <summary>Columns (replica, seq, collection, doc_id, op bytes).</summary>
    public static StoredOp Op(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), (byte[])reader[4]);
}
