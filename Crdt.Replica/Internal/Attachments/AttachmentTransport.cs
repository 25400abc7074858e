using System.Net.Http;
using System.Net.Sockets;
using Crdt.Core.Wire;
using Crdt.Replica.Internal.Transport;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Crdt.Replica.Internal.Attachments;

/// <summary>
/// The Attachments service for one signed-in user: resumable upload from the relay's
/// acknowledged offset and resumable download into a partial file. Failures are sorted like
/// sync's: <see cref="RelayUnreachableException"/> (retry later, what was sent is kept) or
/// <see cref="RelayRefusedException"/> with the relay's status. <paramref name="unreachable"/> is told
/// when the relay was found unreachable (the replica then moves on to its next relay node).
/// </summary>
internal sealed class AttachmentTransport(GrpcChannel channel, string relayUrl, string token, string replicaKey, Action? unreachable = null)
{
    /// <summary>Bytes per upload message (the relay takes up to 1 MiB).</summary>
    public const int ChunkBytes = 256 * 1024;

    private readonly Crdt.Core.Wire.Attachments.AttachmentsClient _client = new(channel);
    private readonly Metadata _headers = new() { { "authorization", "Bearer " + token }, { "x-crdt-replica-key", replicaKey } };

    public Task<AttachmentPolicy> PolicyAsync(CancellationToken cancellationToken) =>
        Guard("attachment policy", cancellationToken, () => _client.GetPolicyAsync(new GetAttachmentPolicyRequest(), Options(cancellationToken)).ResponseAsync);

    /// <summary>Uploads <paramref name="file"/> from the offset the relay acknowledged, reporting
    /// (bytes sent, offset resumed from) as it goes. Returns the offset it resumed from.</summary>
    public async Task<long> UploadAsync(string sha256, long size, string contentType, string file, Action<long, long> progress, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await UploadOnceAsync(sha256, size, contentType, file, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (RelayRefusedException e) when (e.Status == "FailedPrecondition" && attempt < 3)
            {
                // The relay's offset moved between the status and the upload (a broken call of ours
                // was still being written down): ask again.
            }
        }
    }

    private async Task<long> UploadOnceAsync(string sha256, long size, string contentType, string file, Action<long, long> progress, CancellationToken cancellationToken)
    {
        var status = await Guard("upload status", cancellationToken, () => _client.UploadStatusAsync(
            new UploadStatusRequest { Sha256 = sha256, Size = size, ContentType = contentType }, Options(cancellationToken)).ResponseAsync).ConfigureAwait(false);
        if (status.Complete)
        {
            progress(size, size);
            return size;
        }
        var from = status.Offset;
        await Guard("upload", cancellationToken, async () =>
        {
            using var call = _client.Upload(Options(cancellationToken));
            await using var content = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            content.Position = from;
            var header = new UploadHeader { Sha256 = sha256, Size = size, ContentType = contentType, Offset = from };
            var sent = from;
            var first = true;
            // The relay may answer before reading everything (a refusal, or "complete" because
            // another device uploaded the same bytes meanwhile): a failed write then stops the
            // sending, and the response says which it was (a broken connection surfaces from it
            // as UNAVAILABLE or INTERNAL). A failure to read the local file is not caught here.
            var written = true;
            while (written && (first || sent < size))
            {
                var buffer = new byte[(int)Math.Min(ChunkBytes, size - sent)];
                await content.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
                written = await WrittenAsync(() => call.RequestStream.WriteAsync(new UploadRequest { Header = first ? header : null, Data = UnsafeByteOperations.UnsafeWrap(buffer) }, cancellationToken), cancellationToken).ConfigureAwait(false);
                first = false;
                sent += buffer.Length;
                if (written)
                {
                    progress(sent, from);
                }
            }
            if (written)
            {
                await WrittenAsync(() => call.RequestStream.CompleteAsync(), cancellationToken).ConfigureAwait(false);
            }

            var response = await call.ResponseAsync.ConfigureAwait(false);
            if (!response.Complete)
            {
                throw new RelayUnreachableException($"upload to {relayUrl}: the relay holds {response.Offset} of {size} bytes of {sha256}", new IOException("upload incomplete"));
            }

            return response;
        }).ConfigureAwait(false);
        return from;
    }

    /// <summary>Downloads into <paramref name="partial"/>, continuing from its length.</summary>
    public Task DownloadAsync(Crdt.Core.DocumentKey document, string sha256, string partial, Action<long, long> progress, CancellationToken cancellationToken) =>
        Guard("download", cancellationToken, async () =>
        {
            await using var output = new FileStream(partial, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            var request = new DownloadRequest { Document = new DocumentKey { Collection = document.Collection, Id = document.Id }, Sha256 = sha256, Offset = output.Length };
            using var call = _client.Download(request, Options(cancellationToken));
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                var chunk = call.ResponseStream.Current;
                if (chunk.Offset != output.Length)
                {
                    throw new RelayRefusedException($"download from {relayUrl}: a chunk of {sha256} at {chunk.Offset}, expected {output.Length}", false, new InvalidDataException());
                }

                await output.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
                progress(output.Length, chunk.Size);
            }
            output.Flush(flushToDisk: true);
            return true;
        });

    private static async Task<bool> WrittenAsync(Func<Task> write, CancellationToken cancellationToken)
    {
        try
        {
            await write().ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private CallOptions Options(CancellationToken cancellationToken) => new(_headers, cancellationToken: cancellationToken);

    private async Task<T> Guard<T>(string action, CancellationToken cancellationToken, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && Classify(ex, action) is { } mapped)
        {
            throw mapped;
        }
    }

    private Exception? Classify(Exception ex, string action)
    {
        var mapped = Sort(ex, action);
        if (mapped is RelayUnreachableException)
        {
            unreachable?.Invoke();
        }
        return mapped;
    }

    private Exception? Sort(Exception ex, string action)
    {
        var where = $"{action} at {relayUrl}";
        return ex switch
        {
            RpcException { StatusCode: StatusCode.Unauthenticated } rpc =>
                new RelayRefusedException($"{where}: the relay does not accept this device's token ({rpc.Status.Detail})", true, ex) { Status = rpc.StatusCode.ToString(), Detail = rpc.Status.Detail },
            RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled or StatusCode.Internal
                or StatusCode.Unknown or StatusCode.Aborted } rpc => new RelayUnreachableException($"{where}: {rpc.StatusCode}: {rpc.Status.Detail}", ex),
            RpcException rpc => new RelayRefusedException($"{where} refused: {rpc.StatusCode}: {rpc.Status.Detail}", false, ex) { Status = rpc.StatusCode.ToString(), Detail = rpc.Status.Detail },
            HttpRequestException or IOException or SocketException or TimeoutException or OperationCanceledException => new RelayUnreachableException($"{where}: {ex.Message}", ex),
            _ => null,
        };
    }
}
