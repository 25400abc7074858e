using Microsoft.Data.Sqlite;

namespace Crdt.Relay.Storage.Sqlite;

public sealed partial class SqliteRelayStore
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteCorrupt = 11;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;
    private const int SqliteNotADatabase = 26;

    public string Location => $"relay database '{Path.GetFullPath(_writer.DataSource)}'";

    /// <summary>
    /// <c>PRAGMA quick_check</c>: every page and b-tree of the file is well formed (it does not compare
    /// indexes with their tables, which would read the whole log several times). At most 20 problems.
    /// </summary>
    public async Task<IReadOnlyList<string>> CheckIntegrityAsync(CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        try
        {
            await using var connection = OpenReader();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA quick_check(20);";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var line = reader.GetString(0);
                if (!string.Equals(line, "ok", StringComparison.Ordinal))
                {
                    problems.Add(line);
                }
            }
        }
        catch (SqliteException e)
        {
            problems.Add($"the check itself failed: {e.Message}");
        }
        return problems;
    }

    /// <summary>The one place where SQLite error codes become store faults.</summary>
    public StoreFault? DescribeFault(Exception exception)
    {
        if (exception is not SqliteException sqlite)
        {
            return null;
        }

        var (lost, what) = sqlite.SqliteErrorCode switch
        {
            SqliteCorrupt or SqliteNotADatabase => (true, "is damaged"),
            SqliteFull => (false, "is on a full disk"),
            SqliteBusy or SqliteLocked => (false, "is locked by another process"),
            SqliteIoError => (false, "could not be read or written (I/O error)"),
            SqliteCantOpen => (false, "cannot be opened"),
            SqliteReadOnly => (false, "is read-only"),
            _ => (false, "failed"),
        };
        var action = lost ? "; the operator must restore it from a backup" : "; try again later";
        return new StoreFault(lost, $"{Location} {what} (SQLite: {sqlite.Message}){action}");
    }
}
