using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Internal.Storage;

/// <summary>The one place where SQLite error codes become our exceptions.</summary>
internal static class StorageErrors
{
    private const int SqliteBusy = 5;
    private const int SqliteFull = 13;
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;
    private const int SqliteCantOpen = 14;
    private const int SqliteReadOnly = 8;

    public static ReplicaStorageException From(SqliteException ex, string path, string action)
    {
        var reason = ex.SqliteErrorCode switch
        {
            SqliteBusy => "the file is locked by another process",
            SqliteFull => "the disk is full",
            SqliteCorrupt or SqliteNotADatabase => "the file is not a replica database or is corrupted",
            SqliteCantOpen => "the file cannot be opened (missing folder or no permission)",
            SqliteReadOnly => "the file is read-only",
            _ => ex.Message,
        };
        return new ReplicaStorageException($"replica file '{path}': {action} failed: {reason}", ex);
    }
}
