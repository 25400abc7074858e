using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Tests.Storage;

/// <summary>
/// Guards what a damaged replica file does: every call that reads the damage (backup export
/// included) fails with <see cref="ReplicaStorageException"/> naming the file and telling the user
/// what to do, never a raw SQLite or decoder exception, and FieldApp reports it as an error line.
/// The damage is real: bytes of a page overwritten in the SQLite file, or a stored blob replaced.
/// </summary>
public sealed class DamagedReplicaFileTests : IDisposable
{
    private readonly TempDirectory directory = new();

    /// <summary>A closed replica file holding <paramref name="parts"/> documents (several pages of the documents table).</summary>
    private async Task<string> FileWithPartsAsync(int parts)
    {
        var path = directory.File($"device-{Guid.NewGuid():N}.db");
        await using (var replica = await DeviceReplica.OpenAsync(path))
        {
            for (var i = 0; i < parts; i++)
            {
                await replica.Create(PartFields.Collection, $"P-{i:D4}").Set(PartFields.Sku, $"SKU-{i:D4}")
                    .Set(PartFields.Name, "A part with a name long enough to fill pages " + new string('n', 40)).SaveAsync();
            }
        }
        Assert.False(File.Exists(path + "-wal"), "closing the last connection folds the WAL into the file");
        return path;
    }

    private static long Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Overwrites the b-tree page at the root of <paramref name="table"/> with garbage.</summary>
    private static void DamageRootPage(string path, string table)
    {
        var pageSize = Scalar(path, "PRAGMA page_size");
        var root = Scalar(path, $"SELECT rootpage FROM sqlite_master WHERE name = '{table}'");
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.Position = (root - 1) * pageSize;
        file.Write(Enumerable.Repeat((byte)0xA5, (int)pageSize).ToArray());
    }

    private static void AssertTellsWhatToDo(ReplicaStorageException error, string path)
    {
        Assert.Contains(path, error.Message);
        Assert.Contains("damaged", error.Message);
        Assert.Contains("restore your last backup", error.Message);
    }

    [Fact]
    public async Task A_damaged_page_fails_backup_export_and_reads_with_a_storage_error_and_writes_no_backup()
    {
        var path = await FileWithPartsAsync(300);
        DamageRootPage(path, "documents");
        await using var replica = await DeviceReplica.OpenAsync(path);
        var backup = directory.File("backup.crdtbak");

        var export = await Assert.ThrowsAsync<ReplicaStorageException>(() => replica.ExportBackupAsync(backup));
        var read = Assert.Throws<ReplicaStorageException>(() => replica.Get(PartFields.Collection, "P-0007"));

        AssertTellsWhatToDo(export, path);
        Assert.Contains("export backup", export.Message);
        AssertTellsWhatToDo(read, path);
        Assert.False(File.Exists(backup));
        Assert.False(File.Exists(backup + ".partial"));
    }

    [Fact]
    public async Task A_damaged_schema_page_fails_the_open_with_a_storage_error()
    {
        var path = await FileWithPartsAsync(5);
        DamageRootPage(path, "settings");

        var error = await Assert.ThrowsAsync<ReplicaStorageException>(() => DeviceReplica.OpenAsync(path));

        AssertTellsWhatToDo(error, path);
    }

    [Fact]
    public async Task A_stored_snapshot_that_no_longer_decodes_is_a_storage_error_not_a_decoder_crash()
    {
        var path = await FileWithPartsAsync(3);
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE documents SET snapshot = x'0affffffff0f01' WHERE doc_id = 'P-0001'";
            Assert.Equal(1, command.ExecuteNonQuery());
        }
        await using var replica = await DeviceReplica.OpenAsync(path);

        var read = Assert.Throws<ReplicaStorageException>(() => replica.Get(PartFields.Collection, "P-0001"));
        var export = await Assert.ThrowsAsync<ReplicaStorageException>(() => replica.ExportBackupAsync(directory.File("b.crdtbak")));

        AssertTellsWhatToDo(read, path);
        Assert.Contains("cannot be decoded", read.Message);
        AssertTellsWhatToDo(export, path);
    }

    [Fact]
    public async Task FieldApp_reports_a_damaged_file_on_backup_export_as_an_error_line()
    {
        var path = await FileWithPartsAsync(300);
        DamageRootPage(path, "documents");

        var result = await ProcessRunner.RunAsync(RepoPaths.FieldAppDll, ["--db", path, "backup", "export", directory.File("f.crdtbak")]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: replica file '" + path, result.Stderr.Trim());
        Assert.Contains("damaged", result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr);
    }

    public void Dispose() => directory.Dispose();
}
