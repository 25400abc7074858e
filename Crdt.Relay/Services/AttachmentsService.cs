using System.Collections.Concurrent;
using Crdt.Core;
using Crdt.Relay.Attachments;
using Crdt.Relay.Auth;
using Crdt.Relay.Diagnostics;
using Crdt.Relay.Storage.Blobs;
using Crdt.Relay.Sync;
using Google.Protobuf;
using Grpc.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Services;

/// <summary>attachments.proto: resumable, hash-checked upload and scope-checked download of
/// attachment bytes, bounded by the tenant's policy.</summary>
internal sealed class AttachmentsService(RelayEngine engine, IBlobStore blobs, CallGuard guard, RelayLog log) : Wire.Attachments.AttachmentsBase
{
    /// <summary>Largest data of one upload message (the relay's 4 MiB message limit leaves room).</summary>
    public const int MaxChunkBytes = 1 << 20;
    private const int DownloadChunkBytes = 1 << 20;

    // One writer per attachment: a device that reconnects while its broken call is still being
    // torn down waits for it rather than racing it on the same partial file.
    private readonly ConcurrentDictionary<(string Tenant, string Sha256), SemaphoreSlim> _writers = new();

    public override Task<Wire.AttachmentPolicy> GetPolicy(Wire.GetAttachmentPolicyRequest request, ServerCallContext context) =>
        guard.RunAsync(context, caller => PolicyAsync(blobs, caller.Tenant, context.CancellationToken));

    public override Task<Wire.UploadStatusResponse> UploadStatus(Wire.UploadStatusRequest request, ServerCallContext context) =>
        guard.RunAsync(context, async caller =>
        {
            var policy = await PolicyAsync(blobs, caller.Tenant, context.CancellationToken).ConfigureAwait(false);
            AttachmentPolicies.CheckUpload(policy, request.Sha256, request.Size, request.ContentType);
            await RequireNamedInScopeAsync(caller, request.Sha256, context.CancellationToken).ConfigureAwait(false);
            var progress = await blobs.ProgressAsync(caller.Tenant, request.Sha256, context.CancellationToken).ConfigureAwait(false);
            return new Wire.UploadStatusResponse { Complete = progress.Complete, Offset = progress.Offset };
        });

    public override Task<Wire.UploadResponse> Upload(IAsyncStreamReader<Wire.UploadRequest> requests, ServerCallContext context) =>
        guard.RunAsync(context, async caller =>
        {
            var cancellationToken = context.CancellationToken;
            if (!await requests.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                throw RelayRefusal.Invalid("empty upload: the first message carries the header");
            }

            var header = requests.Current.Header ?? throw RelayRefusal.Invalid("the first upload message carries no header");
            try
            {
                var policy = await PolicyAsync(blobs, caller.Tenant, cancellationToken).ConfigureAwait(false);
                AttachmentPolicies.CheckUpload(policy, header.Sha256, header.Size, header.ContentType);
                await RequireNamedInScopeAsync(caller, header.Sha256, cancellationToken).ConfigureAwait(false);
                var gate = _writers.GetOrAdd((caller.Tenant, header.Sha256), _ => new SemaphoreSlim(1, 1));
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    return await ReceiveAsync(caller, header, requests, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }
            catch (RelayRefusal)
            {
                await DrainAsync(requests, Math.Min(Math.Max(header.Size - Math.Max(header.Offset, 0), 0), MaxDrainBytes), cancellationToken).ConfigureAwait(false);
                throw;
            }
        });

    /// <summary>
    /// Reads and drops what the client still sends after a refusal, up to <paramref name="budget"/> bytes,
    /// so the call ends with the client's end of stream rather than a reset of a half-read request. Under
    /// load, answering an upload before its request body ended made the next upload on the same HTTP/2
    /// connection arrive as an empty stream ("empty upload") or stall (see AttachmentServiceTests). Past the
    /// budget (a refused upload of more than <see cref="MaxDrainBytes"/>), the stream is left to be reset.
    /// </summary>
    private static async Task DrainAsync(IAsyncStreamReader<Wire.UploadRequest> requests, long budget, CancellationToken cancellationToken)
    {
        try
        {
            while (budget >= 0 && await requests.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                // At least 1 KiB per message, so a stream of empty messages cannot keep a refused call open for long.
                budget -= Math.Max(requests.Current.Data.Length, 1024);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or RpcException or InvalidOperationException)
        {
            // The client gave up or broke the stream: the refusal stands as it is.
        }
    }

    private async Task<Wire.UploadResponse> ReceiveAsync(CallerIdentity caller, Wire.UploadHeader header,
        IAsyncStreamReader<Wire.UploadRequest> requests, CancellationToken cancellationToken)
    {
        var sha = header.Sha256;
        var progress = await blobs.ProgressAsync(caller.Tenant, sha, cancellationToken).ConfigureAwait(false);
        if (progress.Complete)
        {
            // Same bytes stored once: someone uploaded them already. The rest of the stream is read
            // and dropped, so the client's writes end normally rather than on a closed stream.
            while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
            {
            }
            return new Wire.UploadResponse { Complete = true, Offset = header.Size };
        }
        if (header.Offset != progress.Offset)
        {
            throw ResumeFrom(sha, header.Offset, progress.Offset);
        }

        IBlobWriter writer;
        try
        {
            writer = await blobs.OpenWriterAsync(caller.Tenant, sha, header.Offset, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobOffsetException e)
        {
            throw ResumeFrom(sha, header.Offset, e.Acknowledged);
        }
        await using (writer.ConfigureAwait(false))
        {
            var data = requests.Current.Data;
            while (true)
            {
                if (data.Length > MaxChunkBytes)
                {
                    throw RelayRefusal.Invalid($"attachment {sha}: a message carries {data.Length} bytes; at most {MaxChunkBytes} per message");
                }

                if (writer.Offset + data.Length > header.Size)
                {
                    throw RelayRefusal.Invalid($"attachment {sha}: more bytes than the declared size of {header.Size}");
                }

                if (data.Length > 0)
                {
                    await writer.WriteAsync(data.Memory, cancellationToken).ConfigureAwait(false);
                }

                if (!await requests.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                if (requests.Current.Header is not null)
                {
                    throw RelayRefusal.Invalid($"attachment {sha}: only the first upload message carries a header");
                }

                data = requests.Current.Data;
            }
            if (writer.Offset < header.Size)
            {
                // Kept for a resume: disposing the writer makes this offset durable.
                return new Wire.UploadResponse { Complete = false, Offset = writer.Offset };
            }
            if (!await writer.CompleteAsync(header.Size, cancellationToken).ConfigureAwait(false))
            {
                throw RelayRefusal.Invalid($"attachment {sha}: the {header.Size} bytes received do not hash to it; refused and thrown away (upload again from offset 0)");
            }

            log.AttachmentStored(caller.Tenant, caller.Name, sha, header.Size);
            return new Wire.UploadResponse { Complete = true, Offset = header.Size };
        }
    }

    /// <summary>How much of a refused upload the relay reads and drops before answering (see <see cref="DrainAsync"/>).</summary>
    private const long MaxDrainBytes = 8L * 1024 * 1024;

    private static RelayRefusal ResumeFrom(string sha, long asked, long acknowledged) =>
        RelayRefusal.Precondition($"attachment {sha}: the upload starts at offset {asked} but the relay holds {acknowledged} bytes; resume from offset {acknowledged}");

    public override Task Download(Wire.DownloadRequest request, IServerStreamWriter<Wire.DownloadChunk> responses, ServerCallContext context) =>
        guard.StreamAsync(context, async (caller, cancellationToken) =>
        {
            if (!Sha256Hex.IsValid(request.Sha256))
            {
                throw RelayRefusal.Invalid("sha256: not 64 lowercase hex characters");
            }

            var key = WireViews.Key(request.Document);
            if (!await RefersInScopeAsync(caller, key, request.Sha256, cancellationToken).ConfigureAwait(false))
            {
                throw RelayRefusal.Denied($"attachment {request.Sha256}: {key} is not a document in the scope of {caller} that refers to it");
            }

            var content = await blobs.OpenReadAsync(caller.Tenant, request.Sha256, cancellationToken).ConfigureAwait(false)
                ?? throw RelayRefusal.NotFound($"attachment {request.Sha256} of {key}: not uploaded yet (the device that attached it has not sent the bytes)");
            await using (content.ConfigureAwait(false))
            {
                var size = content.Length;
                if (request.Offset < 0 || request.Offset > size)
                {
                    throw RelayRefusal.Invalid($"attachment {request.Sha256}: offset {request.Offset} is outside its {size} bytes");
                }

                content.Position = request.Offset;
                var offset = request.Offset;
                while (offset < size)
                {
                    var buffer = new byte[(int)Math.Min(DownloadChunkBytes, size - offset)];
                    var read = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: true, cancellationToken).ConfigureAwait(false);
                    // The buffer is not reused, so it can back the message without a copy.
                    await responses.WriteAsync(new Wire.DownloadChunk { Offset = offset, Size = size, Data = UnsafeByteOperations.UnsafeWrap(buffer) }, cancellationToken).ConfigureAwait(false);
                    offset += read;
                }
                if (size == 0)
                {
                    await responses.WriteAsync(new Wire.DownloadChunk { Offset = 0, Size = 0 }, cancellationToken).ConfigureAwait(false);
                }
            }
        });

    /// <summary>
    /// Bytes are taken only for an attachment that a live work order in the caller's scope already
    /// names (a device pushes the element before its bytes): a stolen or buggy device cannot fill the
    /// relay with bytes no document refers to, nor upload for orders outside its scope.
    /// </summary>
    private async Task RequireNamedInScopeAsync(CallerIdentity caller, string sha256, CancellationToken cancellationToken)
    {
        var (tenant, reader) = await engine.ReaderAsync(caller, cancellationToken).ConfigureAwait(false);
        var naming = tenant.QueryDocuments(WorkOrderFields.Collection, "", reader, view => !view.IsDeleted && Names(view, sha256), take: 1);
        if (naming.Count == 0)
        {
            throw RelayRefusal.Denied($"attachment {sha256}: no work order in the scope of {caller} names it; " +
                "push the attachments element (sync) before uploading its bytes");
        }
    }

    private static bool Names(DocumentView view, string sha256) =>
        view.Elements(WorkOrderFields.Attachments).Any(element =>
            element[AttachmentFields.Sha256] is { Kind: FieldValueKind.String } hash && hash.AsString() == sha256);

    /// <summary>Whether <paramref name="key"/> is in the caller's scope and its attachments set refers to the hash.</summary>
    private async Task<bool> RefersInScopeAsync(CallerIdentity caller, DocumentKey key, string sha256, CancellationToken cancellationToken)
    {
        var (tenant, reader) = await engine.ReaderAsync(caller, cancellationToken).ConfigureAwait(false);
        if (!reader.CanRead(key) || tenant.ReadDocument(key, reader) is not { } found)
        {
            return false;
        }

        return Names(found.View, sha256);
    }

    /// <summary>The tenant's policy, the default when none was set.</summary>
    public static async Task<Wire.AttachmentPolicy> PolicyAsync(IBlobStore blobs, string tenant, CancellationToken cancellationToken) =>
        await blobs.GetPolicyAsync(tenant, cancellationToken).ConfigureAwait(false) ?? AttachmentPolicies.Default();
}
