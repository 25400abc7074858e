using System.Security.Cryptography;
using Crdt.Core.Wire;
using Crdt.Relay.Storage.Postgres;
using Google.Protobuf;

namespace Crdt.Relay.Storage.Blobs;

/// <summary>
/// Attachment bytes in the relay's PostgreSQL database, so every relay node serving it sees them:
/// <c>attachment_chunks</c> holds the bytes as rows of up to 1 MiB keyed by position (each row
/// committed on its own: the acknowledged offset is the sum of committed rows), <c>attachments</c>
/// one row per complete, hash-checked attachment, <c>attachment_policies</c> the policies as JSON.
/// Plain bytea rows rather than large objects: they replicate and back up with the rest, and a
/// chunk never needs the large-object API's transaction-bound descriptors.
/// </summary>
internal sealed class PostgresBlobStore(PostgresRelayStore store) : IBlobStore
{
    private PostgresRelayStore Store => store;

    public Task<BlobProgress> ProgressAsync(string tenant, string sha256, CancellationToken cancellationToken) =>
        store.RunBlobAsync(async connection =>
        {
            await using var command = PostgresRelayStore.BlobCommand(connection, """
                SELECT (SELECT size FROM attachments WHERE tenant = @t AND sha256 = @h),
                       (SELECT coalesce(sum(length(data)), 0) FROM attachment_chunks WHERE tenant = @t AND sha256 = @h);
                """, ("t", tenant), ("h", sha256));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return reader.IsDBNull(0) ? new BlobProgress(false, Convert.ToInt64(reader.GetValue(1))) : new BlobProgress(true, reader.GetInt64(0));
        }, cancellationToken);

    public async Task<IBlobWriter> OpenWriterAsync(string tenant, string sha256, long offset, CancellationToken cancellationToken)
    {
        var progress = await ProgressAsync(tenant, sha256, cancellationToken).ConfigureAwait(false);
        if (progress.Complete || progress.Offset != offset)
        {
            throw new BlobOffsetException(progress.Offset);
        }
        // The hash covers the whole content: a resumed upload first reads the prefix it continues.
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var prefix = new ChunkStream(store, tenant, sha256, await ChunksAsync(tenant, sha256, cancellationToken).ConfigureAwait(false)))
        {
            var buffer = new byte[1 << 20];
            int read;
            while ((read = await prefix.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        return new Writer(this, tenant, sha256, offset, hash);
    }

    public async Task<Stream?> OpenReadAsync(string tenant, string sha256, CancellationToken cancellationToken)
    {
        var progress = await ProgressAsync(tenant, sha256, cancellationToken).ConfigureAwait(false);
        if (!progress.Complete)
        {
            return null;
        }

        return new ChunkStream(store, tenant, sha256, await ChunksAsync(tenant, sha256, cancellationToken).ConfigureAwait(false));
    }

    public Task<AttachmentPolicy?> GetPolicyAsync(string tenant, CancellationToken cancellationToken) =>
        store.RunBlobAsync(async connection =>
        {
            await using var command = PostgresRelayStore.BlobCommand(connection, "SELECT policy FROM attachment_policies WHERE tenant = @t;", ("t", tenant));
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json ? JsonParser.Default.Parse<AttachmentPolicy>(json) : null;
        }, cancellationToken);

    public Task SetPolicyAsync(string tenant, AttachmentPolicy policy, CancellationToken cancellationToken) =>
        store.RunBlobAsync(async connection =>
        {
            await using var command = PostgresRelayStore.BlobCommand(connection, """
                INSERT INTO attachment_policies(tenant, policy) VALUES(@t, @p) ON CONFLICT(tenant) DO UPDATE SET policy = excluded.policy;
                """, ("t", tenant), ("p", JsonFormatter.Default.Format(policy)));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    // The relay store owns the connections.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Task<List<(long Position, int Length)>> ChunksAsync(string tenant, string sha256, CancellationToken cancellationToken) =>
        store.RunBlobAsync(async connection =>
        {
            await using var command = PostgresRelayStore.BlobCommand(connection,
                "SELECT position, length(data) FROM attachment_chunks WHERE tenant = @t AND sha256 = @h ORDER BY position;", ("t", tenant), ("h", sha256));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var chunks = new List<(long, int)>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                chunks.Add((reader.GetInt64(0), reader.GetInt32(1)));
            }

            return chunks;
        }, cancellationToken);

    private sealed class Writer(PostgresBlobStore blobs, string tenant, string sha256, long offset, IncrementalHash hash) : IBlobWriter
    {
        public long Offset { get; private set; } = offset;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            var position = Offset;
            await blobs.Store.RunBlobAsync(async connection =>
            {
                await using var command = PostgresRelayStore.BlobCommand(connection,
                    "INSERT INTO attachment_chunks(tenant, sha256, position, data) VALUES(@t, @h, @p, @d);",
                    ("t", tenant), ("h", sha256), ("p", position), ("d", data.ToArray()));
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            hash.AppendData(data.Span);
            Offset += data.Length;
        }

        public async Task<bool> CompleteAsync(long size, CancellationToken cancellationToken)
        {
            var matches = Offset == size && Convert.ToHexStringLower(hash.GetCurrentHash()) == sha256;
            await blobs.Store.RunBlobAsync(async connection =>
            {
                await using var command = PostgresRelayStore.BlobCommand(connection, matches
                    ? "INSERT INTO attachments(tenant, sha256, size, completed_at) VALUES(@t, @h, @s, @at) ON CONFLICT DO NOTHING;"
                    : "DELETE FROM attachment_chunks WHERE tenant = @t AND sha256 = @h;",
                    ("t", tenant), ("h", sha256), ("s", size), ("at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            return matches;
        }

        // Every chunk was committed as it came: nothing to make durable here.
        public ValueTask DisposeAsync()
        {
            hash.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Reads an attachment's chunks in order, one row at a time.</summary>
    private sealed class ChunkStream(PostgresRelayStore store, string tenant, string sha256, List<(long Position, int Length)> chunks) : Stream
    {
        private readonly long _length = chunks.Sum(c => (long)c.Length);
        private byte[]? _current;
        private long _currentStart = -1;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => _length;
        public override long Position { get; set; }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= _length || buffer.Length == 0)
            {
                return 0;
            }

            var index = chunks.FindLastIndex(c => c.Position <= Position);
            var (start, _) = chunks[index];
            if (_currentStart != start)
            {
                _current = await store.RunBlobAsync(async connection =>
                {
                    await using var command = PostgresRelayStore.BlobCommand(connection,
                        "SELECT data FROM attachment_chunks WHERE tenant = @t AND sha256 = @h AND position = @p;", ("t", tenant), ("h", sha256), ("p", start));
                    return (byte[])(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                }, cancellationToken).ConfigureAwait(false);
                _currentStart = start;
            }
            var within = (int)(Position - start);
            var count = Math.Min(buffer.Length, _current!.Length - within);
            _current.AsMemory(within, count).CopyTo(buffer);
            Position += count;
            return count;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => _length + offset,
        };

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
