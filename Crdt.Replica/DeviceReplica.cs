using System.Runtime.CompilerServices;
using Crdt.Core;
using Crdt.Replica.Internal.Documents;
using Crdt.Replica.Internal.Storage;
using Crdt.Replica.Internal.Sync;
using Crdt.Replica.Internal.Transport;

namespace Crdt.Replica;

/// <summary>
/// The embedded device store: a CRDT replica of the documents in this device's scope, kept in
/// one SQLite file, that works with no network and syncs with a relay when it can.
/// <para>
/// Every edit is durable before its call returns (op log, outbox and the materialised document
/// in one transaction). Reads and writes are serialised; events are raised after the change is
/// committed, outside the replica's lock, so handlers may call back in.
/// </para>
/// Split by concern: documents, editing, flags, sync, account, backup in partial files.
/// </summary>
public sealed partial class DeviceReplica : IAsyncDisposable, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ReplicaOptions _options;
    private readonly ReplicaStore _store;
    private readonly DocumentMemory _memory;
    private readonly SyncDriver _sync;
    private LocalEditor _editor;
    private bool _disposed;
    private readonly RelayChannels _channels;

    private DeviceReplica(string path, ReplicaOptions options, ReplicaStore store, ReplicaId id, string replicaKey, Hlc lastHlc)
    {
        Path = path;
        _options = options;
        _store = store;
        Id = id;
        _memory = new DocumentMemory(_store, _options.Schemas ?? SchemaRegistry.CreateDefault(), id);
        _editor = new LocalEditor(id, _memory.Set, new HlcClock(id, lastHlc), _store.LastLocalSeq(id.Value) + 1) { Authority = _options.StatusAuthority };
        _currentUser = _store.GetSetting(SettingKeys.CurrentUser);
        var workOffline = _store.GetSetting(SettingKeys.WorkOffline) == "true";
        _rememberedRelay = _store.GetSetting(SettingKeys.RelayInUse);
        _sync = new SyncDriver(this, _options, workOffline);
        _channels = new RelayChannels(_options.ConnectTimeout);
        ConnectionFactory = (url, token) => new GrpcRelayConnection(_channels.For(url), url, token, replicaKey, _options.CallTimeout);
    }

    /// <summary>The replica file.</summary>
    public string Path { get; }

    /// <summary>This install's replica id: the replica part of every op made here.</summary>
    public ReplicaId Id { get; }

    /// <summary>Opens (creating if needed) the replica in the SQLite file at <paramref name="path"/>.</summary>
    public static Task<DeviceReplica> OpenAsync(string path, ReplicaOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        cancellationToken.ThrowIfCancellationRequested();
        options ??= new ReplicaOptions();
        var store = ReplicaStore.Open(path, options.Durability, options.SecretProtector);
        try
        {
            var id = store.GetSetting(SettingKeys.DeviceId);
            if (id is null)
            {
                id = "dev-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
                store.SetSetting(SettingKeys.DeviceId, id);
            }
            var replicaKey = store.GetReplicaKey();
            if (replicaKey is null)
            {
                replicaKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                store.SetReplicaKey(replicaKey);
            }
            return Task.FromResult(new DeviceReplica(path, options, store, new ReplicaId(id), replicaKey, store.LastLocalStamp(id)));
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            store.Dispose();
            throw StorageErrors.From(ex, path, "open");
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Makes the relay connection for a user's credentials (tests may substitute it).</summary>
    internal Func<string, string, IRelayConnection> ConnectionFactory { get; set; }

    internal ReplicaStore Store => _store;

    /// <summary>Changes made on this device that the relay has not acknowledged yet (everyone's).</summary>
    public long PendingCount => Locked(() => _store.PendingCount());

    /// <summary>Pending changes per person who made them (a shared device may hold several people's).</summary>
    public IReadOnlyDictionary<string, long> PendingByUser => Locked(() => _store.PendingByUser());

    /// <summary>The document was changed by a local edit or by ops from the relay.</summary>
    public event EventHandler<DocumentsChangedEventArgs>? DocumentsChanged;

    /// <summary>New flags appeared (conflicts someone should look at).</summary>
    public event EventHandler<FlagsRaisedEventArgs>? FlagsRaised;

    /// <summary>Online / Offline / WorkOffline changed: show or hide the offline banner.</summary>
    public event EventHandler<ConnectivityChangedEventArgs>? ConnectivityChanged;

    /// <summary>Sync made progress (ops and bytes each way, pending count).</summary>
    public event EventHandler<SyncProgress>? SyncProgressChanged;

    /// <summary>
    /// Runs <paramref name="body"/> under the replica's lock (synchronous SQLite work). A failure of
    /// the file (damaged pages, full disk, a stored op that no longer decodes) leaves as
    /// <see cref="ReplicaStorageException"/> naming the file, whatever read it.
    /// </summary>
    private T Locked<T>(Func<T> body, [CallerMemberName] string action = "")
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _gate.Wait();
        try
        {
            return body();
        }
        catch (Exception ex) when (StorageFailure(ex, action) is { } mapped)
        {
            throw mapped;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<T> LockedAsync<T>(Func<T> body, CancellationToken cancellationToken, [CallerMemberName] string action = "")
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return body();
        }
        catch (Exception ex) when (StorageFailure(ex, action) is { } mapped)
        {
            throw mapped;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A failure that comes from the file, as the storage exception; null for anything else. Ops
    /// and snapshots from the relay or a backup are decoded (and their failures caught) inside the
    /// bodies, so an <see cref="OpDecodeException"/> that gets here was read from this file.
    /// </summary>
    private ReplicaStorageException? StorageFailure(Exception ex, string action) => ex switch
    {
        Microsoft.Data.Sqlite.SqliteException sqlite => StorageErrors.From(sqlite, Path, ActionName(action)),
        OpDecodeException or Google.Protobuf.InvalidProtocolBufferException => StorageErrors.Undecodable(ex, Path, ActionName(action)),
        _ => null,
    };

    /// <summary>"ExportBackupAsync" reads as "export backup" in a message.</summary>
    private static string ActionName(string member)
    {
        var name = member.EndsWith("Async", StringComparison.Ordinal) ? member[..^5] : member;
        var words = new System.Text.StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }
            words.Append(char.ToLowerInvariant(c));
        }
        return words.Length == 0 ? "reading the file" : words.ToString();
    }

    /// <summary>
    /// Throws away the in-memory documents (after a failed commit, or when documents were
    /// dropped); they reload from the file, which is the truth. Caller holds the lock.
    /// </summary>
    private void ResetMemory()
    {
        _memory.Reset();
        _editor = new LocalEditor(Id, _memory.Set, _editor.Clock, _store.LastLocalSeq(Id.Value) + 1) { Authority = _options.StatusAuthority };
    }

    private long WallMs => _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        if (handler is not null)
        {
            _sync.InvokeHandler(handler, args);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _sync.StopLiveSync();
        _attachmentStop.Cancel();
        _gate.Wait();
        try
        {
            _disposed = true;
            FoldSnapshotTailsOnClose();
            _store.Dispose();
            _channels.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
