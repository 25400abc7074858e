using System.Security.Cryptography;
using Crdt.Core.Wire;
using Google.Protobuf;

namespace Crdt.Relay.Storage.Blobs;

/// <summary>
/// Attachment bytes as files under the SQLite relay's data folder:
/// <c>attachments/TENANT/ab/abcdef…</c> for complete ones (the first two hex digits fan the folder
/// out), <c>attachments/TENANT/parts/HASH.part</c> for uploads under way, whose length is the
/// acknowledged offset (fsynced when a writer closes), and <c>attachments/TENANT/policy.json</c>.
/// A part becomes complete by rename after its hash is checked and it is fsynced, so a
/// killed relay leaves either the part or the whole file, never a torn one.
/// </summary>
internal sealed class FileBlobStore(string dataDirectory) : IBlobStore
{
    private readonly string _root = Path.Combine(dataDirectory, "attachments");

    private string TenantFolder(string tenant) => Path.Combine(_root, tenant);
    private string CompletePath(string tenant, string sha256) => Path.Combine(TenantFolder(tenant), sha256[..2], sha256);
    private string PartPath(string tenant, string sha256) => Path.Combine(TenantFolder(tenant), "parts", sha256 + ".part");
    private string PolicyPath(string tenant) => Path.Combine(TenantFolder(tenant), "policy.json");

    public Task<BlobProgress> ProgressAsync(string tenant, string sha256, CancellationToken cancellationToken)
    {
        if (File.Exists(CompletePath(tenant, sha256)))
        {
            return Task.FromResult(new BlobProgress(true, new FileInfo(CompletePath(tenant, sha256)).Length));
        }

        var part = new FileInfo(PartPath(tenant, sha256));
        return Task.FromResult(new BlobProgress(false, part.Exists ? part.Length : 0));
    }

    public async Task<IBlobWriter> OpenWriterAsync(string tenant, string sha256, long offset, CancellationToken cancellationToken)
    {
        var partPath = PartPath(tenant, sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(partPath)!);
        var stream = new FileStream(partPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
        try
        {
            if (stream.Length != offset)
            {
                throw new BlobOffsetException(stream.Length);
            }
            // The hash covers the whole content: a resumed upload first reads the prefix it continues.
            var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 20];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }

            return new Writer(this, tenant, sha256, stream, hash);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public Task<Stream?> OpenReadAsync(string tenant, string sha256, CancellationToken cancellationToken)
    {
        var path = CompletePath(tenant, sha256);
        if (!File.Exists(path))
        {
            return Task.FromResult<Stream?>(null);
        }

        return Task.FromResult<Stream?>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan));
    }

    public async Task<AttachmentPolicy?> GetPolicyAsync(string tenant, CancellationToken cancellationToken)
    {
        var path = PolicyPath(tenant);
        if (!File.Exists(path))
        {
            return null;
        }

        return JsonParser.Default.Parse<AttachmentPolicy>(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
    }

    public async Task SetPolicyAsync(string tenant, AttachmentPolicy policy, CancellationToken cancellationToken)
    {
        var path = PolicyPath(tenant);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(policy)), cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Writer(FileBlobStore store, string tenant, string sha256, FileStream part, IncrementalHash hash) : IBlobWriter
    {
        private bool _closed;

        public long Offset => part.Length;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            await part.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            hash.AppendData(data.Span);
        }

        public async Task<bool> CompleteAsync(long size, CancellationToken cancellationToken)
        {
            var partPath = store.PartPath(tenant, sha256);
            var matches = part.Length == size && Convert.ToHexStringLower(hash.GetCurrentHash()) == sha256;
            if (matches)
            {
                part.Flush(flushToDisk: true);
            }

            await CloseAsync().ConfigureAwait(false);
            if (!matches)
            {
                File.Delete(partPath);
                return false;
            }
            var complete = store.CompletePath(tenant, sha256);
            Directory.CreateDirectory(Path.GetDirectoryName(complete)!);
            File.Move(partPath, complete, overwrite: true);
            FlushFolder(Path.GetDirectoryName(complete)!);
            return true;
        }

        public async ValueTask DisposeAsync()
        {
            if (_closed)
            {
                return;
            }

            if (part.Length == 0)
            {
                // Nothing acknowledged (a refused or empty first message): no part file says the same, and leaves nothing behind.
                var path = part.Name;
                await CloseAsync().ConfigureAwait(false);
                File.Delete(path);
                return;
            }

            // What was written is the acknowledged offset from now on: make it durable.
            try
            {
                part.Flush(flushToDisk: true);
            }
            finally
            {
                await CloseAsync().ConfigureAwait(false);
            }
        }

        private async ValueTask CloseAsync()
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            hash.Dispose();
            await part.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>fsync of the folder, so the rename itself survives a power cut (.NET cannot open a
    /// folder as a file, hence libc; elsewhere than Linux the rename stays atomic, only less durable).</summary>
    private static void FlushFolder(string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Native.open(folder, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return;
        }

        _ = Native.fsync(fd);
        _ = Native.close(fd);
    }

    private static class Native
    {
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int open([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int flags);

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [System.Runtime.InteropServices.DllImport("libc")]
        public static extern int close(int fd);
    }
}
