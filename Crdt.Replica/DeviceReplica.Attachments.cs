using System.Security.Cryptography;
using Crdt.Core;
using Crdt.Replica.Internal.Attachments;
using Crdt.Replica.Internal.Storage;
using Crdt.Replica.Internal.Transport;
using Wire = Crdt.Core.Wire;

namespace Crdt.Replica;

/// <summary>
/// Attachments: the bytes live in a folder beside the replica file (<c>FILE.attachments/HASH</c>),
/// the element (name, contentType, size, sha256) in the work order's <c>attachments</c> set like
/// any edit. Attaching copies the bytes in (temp file, fsync, rename), then saves the element and
/// the upload queue entry in one transaction: a crash in between leaves at most an unreferenced
/// file, which attaching the same bytes again reuses. The queue is uploaded oldest first after each
/// sync round and by the live loop, resuming from the relay's acknowledged offset.
/// </summary>
public sealed partial class DeviceReplica
{
    private readonly SemaphoreSlim _uploadGate = new(1, 1);
    private readonly CancellationTokenSource _attachmentStop = new();

    /// <summary>Upload or download progress of an attachment.</summary>
    public event EventHandler<AttachmentProgress>? AttachmentProgressChanged;

    /// <summary>The folder beside the replica file that holds attachment bytes.</summary>
    public string AttachmentFolder => Path + ".attachments";

    /// <summary>
    /// Attaches a file to a work order: its bytes are copied beside the replica and the element is
    /// saved and queued for upload in one durable step; works offline. Returns the element.
    /// </summary>
    /// <param name="contentType">the media type; guessed from the extension when null</param>
    public async Task<AttachmentInfo> AttachAsync(string workOrderId, string file, string? contentType = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(file);
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"attach: no such file '{file}'", file);
        }

        contentType ??= MediaTypes.FromExtension(file);
        var (sha256, size) = await CopyInAsync(file, cancellationToken).ConfigureAwait(false);
        var name = System.IO.Path.GetFileName(file);
        var key = new DocumentKey(WorkOrderFields.Collection, workOrderId);
        var elementId = Guid.NewGuid().ToString("N")[..16];
        var mutations = new MutationBuilder().Add(WorkOrderFields.Attachments, elementId,
            (AttachmentFields.Name, FieldValue.String(name)),
            (AttachmentFields.ContentType, FieldValue.String(contentType)),
            (AttachmentFields.Size, FieldValue.Integer(size)),
            (AttachmentFields.Sha256, FieldValue.String(sha256))).Mutations;
        var queued = new QueuedUpload(sha256, size, contentType, name, WallMs, null);
        var (views, newFlags) = await LockedAsync(() =>
        {
            var author = _currentUser ?? string.Empty;
            var wall = WallMs;
            return CommitLocal([(key, e => e.Edit(key, author, wall, mutations))], tx => _store.QueueUpload(queued, tx));
        }, cancellationToken).ConfigureAwait(false);
        AfterLocalCommit([key], newFlags);
        return Attachments(workOrderId).First(a => a.ElementId == elementId);
    }

    /// <summary>The attachments of a work order with the state of their bytes on this device.</summary>
    public IReadOnlyList<AttachmentInfo> Attachments(string workOrderId)
    {
        var key = new DocumentKey(WorkOrderFields.Collection, workOrderId);
        var (view, queue) = Locked(() =>
        {
            _memory.Load(key);
            return (_memory.Set.Get(key), _store.QueuedUploads().ToDictionary(q => q.Sha256, StringComparer.Ordinal));
        });
        if (view is null)
        {
            return [];
        }

        var result = new List<AttachmentInfo>();
        foreach (var element in view.Elements(WorkOrderFields.Attachments))
        {
            var sha = Text(element[AttachmentFields.Sha256]);
            var local = sha.Length == 64 ? LocalFile(sha) : null;
            var present = local is not null && File.Exists(local);
            var refused = queue.TryGetValue(sha, out var entry) ? entry.Refused : null;
            var state = !present ? AttachmentState.NotDownloadedYet
                : entry is null ? AttachmentState.Available
                : refused is null ? AttachmentState.NotUploadedYet : AttachmentState.UploadRefused;
            result.Add(new AttachmentInfo(element.Id, Text(element[AttachmentFields.Name]), Text(element[AttachmentFields.ContentType]),
                element[AttachmentFields.Size] is { Kind: FieldValueKind.Integer } size ? size.AsInteger() : 0, sha, state, present ? local : null, refused));
        }
        return result;
    }

    /// <summary>
    /// The path of the attachment's bytes on this device, downloading them first when they are not
    /// here (resuming a broken download). Throws <see cref="AttachmentNotAvailableException"/> when
    /// the relay does not have them yet or cannot be reached.
    /// </summary>
    public async Task<string> FetchAttachmentAsync(string workOrderId, string sha256, CancellationToken cancellationToken = default)
    {
        var attachment = Attachments(workOrderId).FirstOrDefault(a => a.Sha256 == sha256)
            ?? throw new ArgumentException($"work order '{workOrderId}' has no attachment {sha256}", nameof(sha256));
        if (attachment.LocalPath is { } here)
        {
            return here;
        }

        if (_sync.WorkOffline)
        {
            throw new AttachmentNotAvailableException($"attachment {sha256} is not downloaded yet, and work offline is on");
        }

        var transport = Transport() ?? throw new AttachmentNotAvailableException($"attachment {sha256} is not downloaded yet, and nobody is signed in to download it");
        Directory.CreateDirectory(AttachmentFolder);
        var partial = LocalFile(sha256) + ".part";
        var resumedFrom = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        try
        {
            await transport.DownloadAsync(new DocumentKey(WorkOrderFields.Collection, workOrderId), sha256, partial,
                (bytes, size) => Raise(AttachmentProgressChanged, new AttachmentProgress(sha256, false, bytes, size, resumedFrom)), cancellationToken).ConfigureAwait(false);
        }
        catch (RelayRefusedException e) when (e.Status == "NotFound")
        {
            throw new AttachmentNotAvailableException($"attachment {sha256} is not downloaded yet: it is not uploaded yet by the device that attached it", e);
        }
        catch (RelayUnreachableException e)
        {
            throw new AttachmentNotAvailableException($"attachment {sha256} is not downloaded yet: {e.Message}", e);
        }
        catch (RelayRefusedException e)
        {
            throw new ReplicaSyncException(e.Message, PendingCount, unreachable: false, e);
        }
        if (await HashFileAsync(partial, cancellationToken).ConfigureAwait(false) != sha256)
        {
            File.Delete(partial);
            throw new ReplicaSyncException($"attachment {sha256}: the bytes downloaded do not hash to it (thrown away)", PendingCount, unreachable: false);
        }
        File.Move(partial, LocalFile(sha256), overwrite: true);
        return LocalFile(sha256);
    }

    /// <summary>
    /// Uploads the queued attachments, oldest first, each from the offset the relay acknowledged.
    /// Pending edits are pushed first (one sync round), because the relay takes bytes only for an
    /// attachment a work order it holds already names. Stops quietly at the first unreachable relay
    /// (the rest stay queued); an attachment the relay refuses for good (policy, hash) is marked
    /// refused and skipped from then on.
    /// </summary>
    public async Task<AttachmentUploadSummary> UploadAttachmentsAsync(CancellationToken cancellationToken = default)
    {
        if (!_sync.WorkOffline && PendingCount > 0 && PendingAttachmentUploads > 0)
        {
            try
            {
                await _sync.SyncAsync(null, cancellationToken, uploadAttachments: false).ConfigureAwait(false);
            }
            catch (ReplicaSyncException)
            {
                // Unreachable or refused: the uploads below find out and leave the queue as it is.
            }
        }
        return await UploadQueuedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The upload loop itself, for callers that just pushed (a sync round, the live loop).</summary>
    private async Task<AttachmentUploadSummary> UploadQueuedAsync(CancellationToken cancellationToken)
    {
        await _uploadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var queue = Locked(() => _store.QueuedUploads()).Where(q => q.Refused is null).ToList();
            if (queue.Count == 0 || _sync.WorkOffline || Transport() is not { } transport)
            {
                return new AttachmentUploadSummary(0, queue.Count, 0);
            }

            int uploaded = 0, refused = 0, failovers = 0;
            var nodes = RelayUrls.Count;
            for (var next = 0; next < queue.Count; next++)
            {
                var item = queue[next];
                try
                {
                    await transport.UploadAsync(item.Sha256, item.Size, item.ContentType, LocalFile(item.Sha256),
                        (sent, from) => Raise(AttachmentProgressChanged, new AttachmentProgress(item.Sha256, true, sent, item.Size, from)), cancellationToken).ConfigureAwait(false);
                    Locked(() => { _store.Uploaded(item.Sha256); return true; });
                    uploaded++;
                }
                catch (RelayUnreachableException) when (++failovers < nodes && Transport() is { } nextNode)
                {
                    // Of several relay nodes this one is gone: the same file again through the next
                    // (it resumes from the offset that node holds: they share one database).
                    transport = nextNode;
                    next--;
                }
                catch (RelayUnreachableException)
                {
                    break;
                }
                catch (RelayRefusedException e) when (!e.CredentialsRejected && e.Status is "InvalidArgument" or "ResourceExhausted")
                {
                    Locked(() => { _store.UploadRefused(item.Sha256, e.Detail ?? e.Message); return true; });
                    refused++;
                }
                catch (RelayRefusedException e) when (!e.CredentialsRejected && e.Status is "PermissionDenied")
                {
                    // No order the relay holds names it yet (its edit still pending or set aside): stays queued.
                    continue;
                }
                catch (RelayRefusedException)
                {
                    break;
                }
            }
            return new AttachmentUploadSummary(uploaded, queue.Count - uploaded - refused, refused);
        }
        finally
        {
            _uploadGate.Release();
        }
    }

    /// <summary>Attachments queued on this device and not refused (waiting for the relay).</summary>
    public int PendingAttachmentUploads => Locked(() => _store.QueuedUploads().Count(q => q.Refused is null));

    /// <summary>
    /// Downloads what the tenant's policy says the agenda check-out takes along (none, those up to
    /// N KiB, or all) for every work order on this device; the rest is fetched on demand.
    /// Returns how many were downloaded; an unreachable relay stops it quietly.
    /// </summary>
    public async Task<int> PredownloadAttachmentsAsync(CancellationToken cancellationToken = default)
    {
        if (_sync.WorkOffline || Transport() is not { } transport)
        {
            return 0;
        }

        Wire.AttachmentPolicy policy;
        try
        {
            policy = await transport.PolicyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RelayUnreachableException or RelayRefusedException)
        {
            return 0;
        }
        if (policy.Predownload is Wire.PredownloadMode.None or Wire.PredownloadMode.Unspecified)
        {
            return 0;
        }

        var limit = policy.Predownload == Wire.PredownloadMode.All ? long.MaxValue : policy.PredownloadMaxKib * 1024;
        var downloaded = 0;
        foreach (var order in WorkOrders())
        {
            foreach (var attachment in Attachments(order.Id).Where(a => a.State == AttachmentState.NotDownloadedYet && a.Size <= limit))
            {
                try
                {
                    await FetchAttachmentAsync(order.Id, attachment.Sha256, cancellationToken).ConfigureAwait(false);
                    downloaded++;
                }
                catch (AttachmentNotAvailableException)
                {
                    // Not uploaded yet, or the relay went away: fetched on demand later.
                }
            }
        }
        return downloaded;
    }

    /// <summary>Starts a pass over the upload queue in the background (the live loop calls it when
    /// caught up), unless one is running; failures leave the queue for the next pass.</summary>
    internal void StartAttachmentUploads()
    {
        if (_uploadGate.CurrentCount == 0 || _attachmentStop.IsCancellationRequested)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await UploadQueuedAsync(_attachmentStop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or ReplicaStorageException or IOException)
            {
                // Closed meanwhile, or a file went missing: the queue is still there next time.
            }
        });
    }

    /// <summary>After a sync round: the queue goes up too (an unreachable relay leaves it queued).</summary>
    internal async Task UploadAttachmentsAfterSyncAsync(CancellationToken cancellationToken)
    {
        try
        {
            await UploadQueuedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // A queued file went missing from the folder: nothing to send; the state shows it.
        }
    }

    private AttachmentTransport? Transport()
    {
        var (credentials, replicaKey) = Locked(() => (CurrentCredentials(), _store.GetReplicaKey()));
        if (credentials is null)
        {
            return null;
        }
        // Of several relay nodes, the one in use; found unreachable, the next upload or download goes to the next.
        var route = Route(credentials.RelayUrl);
        var index = route.Current;
        var address = route.Addresses[index];
        return new AttachmentTransport(_channels.For(address), address, credentials.Token, replicaKey!, () => route.MoveOnFrom(index));
    }

    private string LocalFile(string sha256) => System.IO.Path.Combine(AttachmentFolder, sha256);

    /// <summary>Copies the file into the folder under its hash (temp, fsync, rename); the same bytes are kept once.</summary>
    private async Task<(string Sha256, long Size)> CopyInAsync(string file, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(AttachmentFolder);
        var temp = System.IO.Path.Combine(AttachmentFolder, "incoming-" + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            string sha256;
            long size;
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            await using (var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan))
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                var buffer = new byte[1 << 20];
                int read;
                while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                output.Flush(flushToDisk: true);
                sha256 = Convert.ToHexStringLower(hash.GetCurrentHash());
                size = output.Length;
            }
            var target = LocalFile(sha256);
            if (File.Exists(target))
            {
                File.Delete(temp);
            }
            else
            {
                File.Move(temp, target);
            }

            return (sha256, size);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static async Task<string> HashFileAsync(string file, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }

    private static string Text(FieldValue? value) => value is { Kind: FieldValueKind.String } text ? text.AsString() : "";
}
