using Crdt.Core;
using Crdt.Replica.Internal.Backup;

namespace Crdt.Replica;

public sealed partial class DeviceReplica
{
    /// <summary>
    /// Writes a backup file: every document, every op, which changes are still pending (and
    /// whose), and the pins; with a header, a format version, this replica's id and a SHA-256
    /// checksum. Credentials are not included. Written to a temporary file and renamed, so a
    /// crash never leaves half a backup under the final name.
    /// </summary>
    public async Task<BackupSummary> ExportBackupAsync(string file, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(file);
        var backup = await LockedAsync(() => BackupOfThisReplica(), cancellationToken).ConfigureAwait(false);
        var bytes = BackupCodec.Encode(backup);
        var full = System.IO.Path.GetFullPath(file);
        var temporary = full + ".partial";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.WriteThrough))
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, full, overwrite: true);
        return new BackupSummary(full, backup.DeviceId, backup.CreatedAt, backup.Documents.Count, backup.Ops.Count, backup.Pending.Count);
    }

    /// <summary>What a backup holds, read under the lock; snapshots waiting behind their ops are written first, so its documents are current.</summary>
    private ReplicaBackup BackupOfThisReplica()
    {
        FoldSnapshotTails(wholeFile: true);
        return new ReplicaBackup(
            Id.Value,
            // The file keeps milliseconds; the summary should say what the file says.
            DateTimeOffset.FromUnixTimeMilliseconds(_options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds()),
            // The file keeps only snapshots per edit; a backup carries the JSON rendering for tools.
            _store.LoadDocuments().Select(_memory.WithJson).ToList(),
            _store.AllOps(),
            // Refused edits go as pending: after a restore the relay refuses them again and they
            // are back in the refused list, rather than silently kept as if the relay had them.
            _store.OutboxDots().Concat(_store.RefusedDots()).ToList(),
            _store.Pinned());
    }

    /// <summary>
    /// What a backup file holds (device, documents, ops, pending changes), read without
    /// changing anything: to show before restoring, or to report after <see cref="RestoreAsync"/>.
    /// Refused with <see cref="ReplicaBackupException"/> when the file is not a readable backup.
    /// </summary>
    public static async Task<BackupSummary> InspectBackupAsync(string backupFile, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backupFile);
        var backup = await ReadBackupFileAsync(backupFile, cancellationToken).ConfigureAwait(false);
        return Summary(backupFile, backup);
    }

    /// <summary>Reads and checks a backup file: unreadable, damaged or foreign files are a <see cref="ReplicaBackupException"/>.</summary>
    private static async Task<ReplicaBackup> ReadBackupFileAsync(string file, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ReplicaBackupException($"'{file}' cannot be read: {ex.Message}", ex);
        }
        return BackupCodec.Decode(bytes, file);
    }

    private static BackupSummary Summary(string file, ReplicaBackup backup) =>
        new(System.IO.Path.GetFullPath(file), backup.DeviceId, backup.CreatedAt, backup.Documents.Count, backup.Ops.Count, backup.Pending.Count);

    /// <summary>
    /// Creates a new replica file at <paramref name="path"/> from a backup, taking on the backed-up
    /// device's identity (so its pending changes keep their dots and the relay deduplicates
    /// anything already sent). Refused when <paramref name="path"/> exists or the backup is bad.
    /// </summary>
    public static async Task<DeviceReplica> RestoreAsync(string path, string backupFile, ReplicaOptions? options = null, CancellationToken cancellationToken = default)
    {
        var backup = await ReadBackupFileAsync(backupFile, cancellationToken).ConfigureAwait(false);
        if (File.Exists(path))
        {
            throw new ReplicaBackupException($"'{path}' already exists; restore a backup into a new replica file");
        }
        options ??= new ReplicaOptions();
        using (var store = Internal.Storage.ReplicaStore.Open(path, options.Durability, options.SecretProtector))
        {
            store.SetSetting(Internal.Storage.SettingKeys.DeviceId, backup.DeviceId);
        }
        var replica = await OpenAsync(path, options, cancellationToken).ConfigureAwait(false);
        try
        {
            await replica.ImportBackupAsync(backupFile, cancellationToken).ConfigureAwait(false);
            return replica;
        }
        catch
        {
            replica.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Restores a backup into this replica: merges its documents and ops (CRDT merge: nothing
    /// here is overwritten), puts its pending changes back in the outbox, and keeps its pins.
    /// Refused with <see cref="ReplicaBackupException"/>, changing nothing, when the file is not
    /// a backup, is corrupted, comes from a newer format, or belongs to another device while
    /// this replica already holds data (restore another device's backup into a new file).
    /// </summary>
    public async Task<BackupSummary> ImportBackupAsync(string file, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(file);
        var backup = await ReadBackupFileAsync(file, cancellationToken).ConfigureAwait(false);
        var (touched, newFlags) = await LockedAsync(() =>
        {
            if (backup.DeviceId != Id.Value)
            {
                throw new ReplicaBackupException(
                    $"'{file}' is a backup of device {backup.DeviceId}, not of this replica (device {Id}); " +
                    "restore it into a new replica file instead (DeviceReplica.RestoreAsync), which takes on that device's identity");
            }
            var keys = backup.Documents.Select(d => new DocumentKey(d.Collection, d.DocId))
                .Concat(backup.Ops.Select(o => new DocumentKey(o.Collection, o.DocId))).Distinct().ToList();
            foreach (var key in keys)
            {
                _memory.Load(key);
            }
            var before = FlagIds(keys);
            var touched = new HashSet<DocumentKey>();
            try
            {
                foreach (var document in backup.Documents)
                {
                    if (_memory.Set.MergeSnapshot(document.Snapshot))
                    {
                        touched.Add(new DocumentKey(document.Collection, document.DocId));
                    }
                }
                foreach (var stored in backup.Ops)
                {
                    var op = OpCodec.Decode(stored.Bytes);
                    if (_editor.ApplyRemote(op, WallMs))
                    {
                        touched.Add(op.Document);
                    }
                }
                _store.CommitImport(Id.Value, backup.Ops, backup.Pending, touched.Select(key => _memory.Materialise(key)).ToList(), backup.Pins);
                // Sequences this device used before the backup must never be reused.
                ResetMemory();
            }
            catch (OpDecodeException ex)
            {
                ResetMemory();
                throw new ReplicaBackupException($"'{file}' holds an invalid op or document: {ex.Message}", ex);
            }
            catch
            {
                ResetMemory();
                throw;
            }
            return (touched, NewFlags(touched, before));
        }, cancellationToken).ConfigureAwait(false);
        if (touched.Count > 0)
        {
            Raise(DocumentsChanged, new DocumentsChangedEventArgs(touched.ToList(), fromRelay: false));
        }
        if (newFlags.Count > 0)
        {
            Raise(FlagsRaised, new FlagsRaisedEventArgs(newFlags));
        }
        return Summary(file, backup);
    }
}
