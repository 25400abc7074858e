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

    /// <summary>What a user can do with a damaged replica file, said the same way wherever the damage shows.</summary>
    public const string WhatToDo =
        "Keep a copy of the file for support and do not edit on it; then, if everything was synced, delete it and sign in again " +
        "to download your work, or restore your last backup into a new file (backup import with a new --db). " +
        "Edits made since that backup or the last sync may be in the damaged file only";

    /// <summary>The file's pages read back fine but what they hold (an op, a document snapshot) does not decode.</summary>
    public static ReplicaStorageException Undecodable(Exception ex, string path, string action) =>
        new($"replica file '{path}': {action} failed: the file is damaged (a stored op or document cannot be decoded: {ex.Message}). {WhatToDo}", ex);

    public static ReplicaStorageException From(SqliteException ex, string path, string action)
    {
        var reason = ex.SqliteErrorCode switch
        {
            SqliteBusy => "the file is locked by another process",
            SqliteFull => "the disk is full",
            SqliteCorrupt or SqliteNotADatabase => "the file is damaged, or is not a replica database. " + WhatToDo,
            SqliteCantOpen => "the file cannot be opened (missing folder or no permission)",
            SqliteReadOnly => "the file is read-only",
            _ => ex.Message,
        };
        return new ReplicaStorageException($"replica file '{path}': {action} failed: {reason}", ex);
    }
}
