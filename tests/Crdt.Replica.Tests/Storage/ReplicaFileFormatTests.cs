using Crdt.Replica.Internal.Storage;
using Microsoft.Data.Sqlite;

using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.Storage;

/// <summary>Guards against a new build failing to open, or silently mangling, a file an older release wrote.</summary>
public sealed class ReplicaFileFormatTests
{
    [Fact]
    public void A_version_1_file_opens_migrated_with_its_data_intact()
    {
        using var dir = new TempDirectory();
        var path = dir.File("v1.db");
        // Write the file exactly as the first release did: only migration 1, then data in its shape.
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            ReplicaDatabase.Execute(connection, "PRAGMA journal_mode = WAL;");
            ReplicaDatabase.Execute(connection, ReplicaSchema.Migrations[0]);
            ReplicaDatabase.Execute(connection, "PRAGMA user_version = 1;");
            ReplicaDatabase.Execute(connection, """
                INSERT INTO op_log VALUES('dev-1', 1, 'WorkOrder', 'WO-1', x'0102');
                INSERT INTO outbox VALUES('dev-1', 1, 'ana', 'WorkOrder', 'WO-1', 2);
                INSERT INTO documents VALUES('WorkOrder', 'WO-1', x'AA', '{"title":"Pump"}');
                INSERT INTO settings VALUES('device_id', 'dev-1');
                INSERT INTO local_sequence VALUES('dev-1', 1);
                """);
        }

        using var store = ReplicaStore.Open(path, ReplicaDurability.Full);

        Assert.Equal(ReplicaSchema.CurrentVersion, store.FormatVersion);
        Assert.True(ReplicaSchema.CurrentVersion > 1, "the v1 test must exercise at least one migration");
        Assert.Equal("dev-1", store.GetSetting(SettingKeys.DeviceId));
        var document = Assert.Single(store.LoadDocuments());
        Assert.Equal(("WorkOrder", "WO-1", "{\"title\":\"Pump\"}"), (document.Collection, document.DocId, document.Json));
        Assert.Equal(new PendingDot("dev-1", 1, "ana"), Assert.Single(store.OutboxDots()));
        Assert.Equal(1, store.LastLocalSeq("dev-1"));
        // The v2 column exists with its default: the document has not left the scope.
        Assert.Empty(store.LeaveScope([]));
        Assert.Single(store.LoadDocuments());
    }

    [Fact]
    public void A_new_file_is_in_WAL_mode_at_the_current_version()
    {
        using var dir = new TempDirectory();
        var path = dir.File("new.db");
        using (var store = ReplicaStore.Open(path, ReplicaDurability.Full))
        {
            Assert.Equal(ReplicaSchema.CurrentVersion, store.FormatVersion);
        }
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string)command.ExecuteScalar()!);
    }

    [Fact]
    public void A_file_from_a_newer_release_is_refused_naming_both_versions()
    {
        using var dir = new TempDirectory();
        var path = dir.File("future.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            ReplicaDatabase.Execute(connection, $"PRAGMA user_version = {ReplicaSchema.CurrentVersion + 5};");
        }

        var error = Assert.Throws<ReplicaStorageException>(() => ReplicaStore.Open(path, ReplicaDurability.Full));

        Assert.Contains($"format version {ReplicaSchema.CurrentVersion + 5}", error.Message);
        Assert.Contains($"reads up to {ReplicaSchema.CurrentVersion}", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_refused_with_a_clear_reason()
    {
        using var dir = new TempDirectory();
        var path = dir.File("notes.db");
        File.WriteAllText(path, new string('x', 4096));

        var error = Assert.Throws<ReplicaStorageException>(() => ReplicaStore.Open(path, ReplicaDurability.Full));

        Assert.Contains("not a replica database", error.Message);
        Assert.Contains(path, error.Message);
    }
}
