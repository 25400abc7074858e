using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.Storage;

/// <summary>
/// The install's signing key at rest (issue 14): made at the first sign-in, kept across reopening,
/// never in the replica's files or in a backup in plain text (neither the PKCS#8 bytes nor their base64).
/// </summary>
public sealed class SigningKeyAtRestTests : IDisposable
{
    private const string Relay = "http://127.0.0.1:9";
    private readonly TempDirectory directory = new();

    private static bool FileHolds(string file, byte[] needle) =>
        File.Exists(file) && ReadShared(file).AsSpan().IndexOf(needle) >= 0;

    private static byte[] ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task The_key_is_made_at_first_sign_in_kept_across_reopening_and_never_stored_or_backed_up_in_plain_text()
    {
        var path = directory.File("device.db");
        byte[] pkcs8;
        string keyId;
        await using (var replica = await DeviceReplica.OpenAsync(path))
        {
            Assert.Null(replica.SigningKeyId);
            await replica.SignInAsync(Relay, "tok-" + Guid.NewGuid().ToString("N"), "ana");
            keyId = replica.SigningKeyId!;
            Assert.StartsWith("k-", keyId);
            pkcs8 = replica.Store.GetSigningKey()!;
            await replica.ExportBackupAsync(directory.File("device.crdtbak"));
        }
        var base64 = System.Text.Encoding.UTF8.GetBytes(Convert.ToBase64String(pkcs8));
        foreach (var file in new[] { path, path + "-wal", directory.File("device.crdtbak") })
        {
            Assert.False(FileHolds(file, pkcs8), $"{file} holds the private key");
            Assert.False(FileHolds(file, base64), $"{file} holds the private key in base64");
        }

        await using (var replica = await DeviceReplica.OpenAsync(path))
        {
            Assert.Equal(keyId, replica.SigningKeyId);
        }
    }

    public void Dispose() => directory.Dispose();
}
