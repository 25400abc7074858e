using System.Runtime.Versioning;
using System.Text;
using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Tests.Storage;

/// <summary>
/// Guards the device's secrets at rest: the replica file and the folder made for it are
/// owner-only, the bearer token and replica key are never in the replica's files in plain text
/// (free pages included), and a sign-out leaves no byte of the token behind, even with a protector
/// that does not encrypt. Real SQLite files, read byte by byte.
/// </summary>
public sealed class SecretsAtRestTests : IDisposable
{
    private const string Relay = "http://127.0.0.1:9";
    private readonly TempDirectory directory = new();

    /// <summary>A protector that stores secrets as they are: shows what secure_delete alone must clean.</summary>
    private sealed class PlainProtector : ISecretProtector
    {
        public byte[] Protect(ReadOnlySpan<byte> secret, string purpose) => secret.ToArray();
        public byte[] Unprotect(ReadOnlySpan<byte> protectedSecret, string purpose) => protectedSecret.ToArray();
    }

    private static string NewToken() => "tok-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");

    /// <summary>Whether any of the replica's files (main, WAL) holds <paramref name="text"/>.</summary>
    private static bool FilesHold(string path, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        foreach (var file in new[] { path, path + "-wal" })
        {
            if (File.Exists(file))
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                if (copy.ToArray().AsSpan().IndexOf(needle) >= 0)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static string RawSetting(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string)command.ExecuteScalar()!;
    }

    private static async Task EditAsync(DeviceReplica replica, string id) =>
        await replica.Create(PartFields.Collection, id).Set(PartFields.Sku, "SKU-" + id).Set(PartFields.Name, "Seal").SaveAsync();

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task The_replica_file_its_WAL_its_key_file_and_the_folder_made_for_it_are_owner_only()
    {
        var folder = directory.File("made-by-the-replica");
        var path = Path.Combine(folder, "device.db");

        await using (var replica = await DeviceReplica.OpenAsync(path))
        {
            await replica.SignInAsync(Relay, NewToken(), "ana");
            await EditAsync(replica, "P-PERM");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
            foreach (var file in new[] { path, path + "-wal", path + ".key" })
            {
                Assert.True(File.Exists(file), file + " should exist");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }
        }
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task A_replica_file_left_readable_by_others_is_narrowed_to_owner_only_when_opened()
    {
        var path = directory.File("old.db");
        await (await DeviceReplica.OpenAsync(path)).DisposeAsync();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await using var replica = await DeviceReplica.OpenAsync(path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task With_the_default_protector_the_token_and_replica_key_are_never_in_the_file_in_plain_text_and_sign_out_leaves_nothing()
    {
        var path = directory.File("device.db");
        var token = NewToken();
        string replicaKey;
        await using (var replica = await DeviceReplica.OpenAsync(path))
        {
            await replica.SignInAsync(Relay, token, "ana");
            await EditAsync(replica, "P-SEC1");
            replicaKey = replica.Store.GetReplicaKey()!;
            Assert.Equal(token, replica.Store.AllCredentials().Single().Token);
            Assert.False(FilesHold(path, token), "the token is in the replica's files in plain text");
            Assert.False(FilesHold(path, replicaKey), "the replica key is in the replica's files in plain text");
        }
        var stored = RawSetting(path, "SELECT token FROM credentials");
        Assert.StartsWith("protected:v1:", stored);

        await using (var replica = await DeviceReplica.OpenAsync(path))
        {
            Assert.Equal("ana", replica.CurrentUser);
            await replica.SignOutAsync(force: true, backupPath: directory.File("signout.crdtbak"));
            Assert.False(FilesHold(path, stored), "the protected token is still in the replica's files after sign-out");
        }
        Assert.False(FilesHold(path, stored));
        Assert.False(FilesHold(path, token));
        Assert.False(FilesHold(path, replicaKey));
    }

    [Fact]
    public async Task Sign_out_leaves_no_token_bytes_in_free_pages_even_when_the_protector_does_not_encrypt()
    {
        var path = directory.File("plain.db");
        var token = NewToken();
        var options = new ReplicaOptions { SecretProtector = new PlainProtector() };
        await using var replica = await DeviceReplica.OpenAsync(path, options);
        await replica.SignInAsync(Relay, token, "ana");
        await EditAsync(replica, "P-SEC2");
        replica.Store.Checkpoint();
        // What this protector keeps is the token itself, base64 in the column.
        var kept = "protected:v1:" + Convert.ToBase64String(Encoding.UTF8.GetBytes(token));
        Assert.True(FilesHold(path, kept), "this protector keeps the token as it is: the test must see it before sign-out");

        await replica.SignOutAsync(force: true, backupPath: directory.File("signout.crdtbak"));
        await EditAsync(replica, "P-SEC3");

        Assert.False(FilesHold(path, kept), "the signed-out token is still in the replica's files");
    }

    [Fact]
    public async Task Secrets_a_file_kept_in_plain_text_before_protection_are_protected_when_it_is_opened()
    {
        var path = directory.File("legacy.db");
        var token = NewToken();
        var replicaKey = "legacy-key-" + Guid.NewGuid().ToString("N");
        await using (var replica = await DeviceReplica.OpenAsync(path))
        {
            await replica.SignInAsync(Relay, NewToken(), "ana");
        }
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            // What an older build wrote: both secrets as plain text.
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE credentials SET token = '{token}'; UPDATE settings SET value = '{replicaKey}' WHERE key = 'replica_key';";
            command.ExecuteNonQuery();
        }
        Assert.True(FilesHold(path, token));

        await using (var replica = await DeviceReplica.OpenAsync(path))
        {
            Assert.Equal(token, replica.Store.AllCredentials().Single().Token);
            Assert.Equal(replicaKey, replica.Store.GetReplicaKey());
            Assert.False(FilesHold(path, token), "the legacy token is still in plain text");
            Assert.False(FilesHold(path, replicaKey), "the legacy replica key is still in plain text");
        }
    }

    [Fact]
    public async Task A_missing_key_file_is_a_clear_storage_error_naming_the_file_and_what_to_do()
    {
        var path = directory.File("lost-key.db");
        await (await DeviceReplica.OpenAsync(path)).DisposeAsync();
        File.Delete(path + ".key");

        var error = await Assert.ThrowsAsync<ReplicaStorageException>(() => DeviceReplica.OpenAsync(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("replica key", error.Message);
        Assert.Contains("key file", error.Message);
    }

    public void Dispose() => directory.Dispose();
}
