using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Crdt.Core;
using Crdt.Relay.Auth;
using Crdt.Relay.Diagnostics;
using Crdt.Relay.Storage;
using Microsoft.Extensions.Logging;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Sync;

/// <summary>
/// The relay's state and rules behind the gRPC services: the store, the device directory, one
/// <see cref="TenantState"/> per tenant (loaded from the store at start-up), the relay's own
/// replica id and clock for the ops it stamps, and the metrics and log.
/// </summary>
internal sealed partial class RelayEngine : IAsyncDisposable
{
    private const string ReplicaMetaKey = "relay_replica";
    private const int LoadPageSize = 5000;

    private readonly ConcurrentDictionary<string, Lazy<Task<TenantState>>> _tenants = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly HlcClock _clock;
    private readonly ILoggerFactory _loggerFactory;

    private RelayEngine(RelayOptions options, IRelayStore store, DeviceDirectory devices, ReplicaId replica, ILoggerFactory loggerFactory)
    {
        Options = options;
        Store = store;
        Devices = devices;
        Replica = replica;
        _clock = new HlcClock(replica);
        _loggerFactory = loggerFactory;
        Log = new RelayLog(loggerFactory.CreateLogger("Crdt.Relay"));
    }

    public RelayOptions Options { get; }
    public IRelayStore Store { get; }
    public DeviceDirectory Devices { get; }
    public RelayMetrics Metrics { get; } = new();
    public RelayLog Log { get; }
    public ReplicaId Replica { get; }
    public SchemaRegistry Schemas => Options.Schemas;

    /// <summary>Cancelled when the relay shuts down, so live streams end.</summary>
    public CancellationToken ShutdownToken => _shutdown.Token;

    public static async Task<RelayEngine> OpenAsync(RelayOptions options, IRelayStore store, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var replicaText = await store.GetMetaAsync(ReplicaMetaKey, cancellationToken).ConfigureAwait(false);
        if (replicaText is null)
        {
            replicaText = "relay-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            await store.SetMetaAsync(ReplicaMetaKey, replicaText, cancellationToken).ConfigureAwait(false);
        }
        var devices = new DeviceDirectory(store, options.DevicePollInterval);
        var engine = new RelayEngine(options, store, devices, new ReplicaId(replicaText), loggerFactory);
        // quick_check reads the whole file on one core (~0.5 s at a million ops): it runs beside the tenant
        // loads, and still ends before the relay serves, so a damaged store is reported from the first call.
        var integrity = Task.Run(() => engine.CheckStoreAsync(cancellationToken), cancellationToken);
        try
        {
            await engine.LoadTenantsAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await integrity.ConfigureAwait(false);
        }
        engine.FollowOtherNodes();
        engine.ScheduleCompaction();
        engine.WatchDatabase();
        engine.StartCheckpointing();
        return engine;
    }

    /// <summary>Loads every tenant the store holds (start-up), so the first calls find them ready.</summary>
    private async Task LoadTenantsAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<TenantRecord> tenants;
        try
        {
            tenants = await Store.ListTenantsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (StorageFault(e) is not null)
        {
            // Tenants then load on their first call instead, each on its own.
            tenants = [];
        }
        foreach (var tenant in tenants)
        {
            try
            {
                await TenantAsync(tenant.Name, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TenantFaultedException || StorageFault(e) is not null)
            {
                // Recorded and logged; the other tenants are served (one that failed for a passing
                // reason loads on its next call).
            }
        }
    }

    /// <summary>The tenant's state, loaded from the store the first time it is asked for.</summary>
    public async Task<TenantState> TenantAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var loading = _tenants.GetOrAdd(tenant, name => new Lazy<Task<TenantState>>(() => LoadTenantAsync(name)));
        try
        {
            return await loading.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (loading.Value.IsFaulted)
        {
            // A load the database broke off (it went away) is tried again by the next call, not kept.
            _tenants.TryRemove(new KeyValuePair<string, Lazy<Task<TenantState>>>(tenant, loading));
            throw;
        }
    }

    private async Task<TenantState> LoadTenantAsync(string name)
    {
        var started = Stopwatch.GetTimestamp();
        var (tenant, cursor) = await StartTenantAsync(name).ConfigureAwait(false);
        long count = 0;
        while (true)
        {
            IReadOnlyList<LogEntry> page;
            try
            {
                page = await Store.ReadLogAsync(name, cursor, LoadPageSize).ConfigureAwait(false);
            }
            catch (Exception e) when (Store.DescribeFault(e) is { DataLost: true } fault)
            {
                throw TenantFaulted(name, $"its log cannot be read after position {cursor} ({fault.Message})", e);
            }
            catch (Exception e) when (Store.DescribeFault(e) is not null)
            {
                // A failure that may pass (locked, disk full): the next call loads the tenant again.
                _tenants.TryRemove(name, out _);
                throw;
            }
            if (page.Count == 0)
            {
                break;
            }

            var ops = new List<CommittedOp>(page.Count);
            foreach (var entry in page)
            {
                Op op;
                try
                {
                    op = Wire.CoreMessages.ToOp(Wire.Op.Parser.ParseFrom(entry.Payload));
                }
                catch (Exception e) when (e is Google.Protobuf.InvalidProtocolBufferException or OpDecodeException)
                {
                    throw TenantFaulted(name, $"the op at log position {entry.Position} ({entry.Replica}:{entry.Sequence} on " +
                        $"{entry.Document.Collection}/{entry.Document.Id}) cannot be decoded ({e.Message})", e);
                }
                ops.Add(new CommittedOp(entry.Position, op, entry.Payload));
            }
            tenant.Apply(ops, page[^1].Position);
            ObserveClock(ops);
            cursor = page[^1].Position;
            count += page.Count;
        }
        Log.TenantLoaded(name, count, tenant.Documents.Count, cursor, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return tenant;
    }

    /// <summary>Keeps the relay's clock ahead of every stamp it has stored, so the ops it stamps
    /// for Documents.Mutate are newer than what the caller saw.</summary>
    private void ObserveClock(IReadOnlyList<CommittedOp> ops)
    {
        if (ops.Count == 0)
        {
            return;
        }

        var newest = ops.Max(o => o.Op.Hlc);
        lock (_clock)
        {
            if (newest > _clock.Last)
            {
                _clock.Receive(newest, NowMs());
            }
        }
    }

    private Hlc Tick()
    {
        lock (_clock)
        {
            return _clock.Now(NowMs());
        }
    }

    public long NowMs() => Options.Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A token cancelled when the call ends, the device is revoked, or the relay stops.</summary>
    public CancellationTokenSource StreamLifetime(CallerIdentity caller, CancellationToken callToken) =>
        CancellationTokenSource.CreateLinkedTokenSource(callToken, Devices.RevocationToken(caller), _shutdown.Token);

    public void BeginShutdown() => _shutdown.Cancel();

    public async ValueTask DisposeAsync()
    {
        _shutdown.Cancel();
        await StopCompactionScheduleAsync().ConfigureAwait(false);
        await StopFollowingAsync().ConfigureAwait(false);
        await StopWatchingDatabaseAsync().ConfigureAwait(false);
        await StopCheckpointingAsync().ConfigureAwait(false);
        await Devices.DisposeAsync().ConfigureAwait(false);
        await Store.DisposeAsync().ConfigureAwait(false);
        Metrics.Dispose();
        _loggerFactory.Dispose();
        _shutdown.Dispose();
    }
}
