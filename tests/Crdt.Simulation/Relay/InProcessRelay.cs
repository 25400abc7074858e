using Crdt.Core;
using Crdt.Relay;
using Crdt.Relay.Auth;
using Crdt.Relay.Services;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Sqlite;
using Crdt.Relay.Sync;
using Microsoft.Extensions.Logging.Abstractions;
using Wire = Crdt.Core.Wire;

namespace Crdt.Simulation.Relay;

/// <summary>
/// The relay engine called in-process, on its real SQLite store in a folder: the same calls the
/// gRPC services make (Push, Pull, Pin, Mutate), minus the transport. It can be crashed (closed
/// without ceremony) and reopened on the same files. Refusals come out as <see cref="RelayRefusal"/>.
/// </summary>
internal sealed class InProcessRelay : IAsyncDisposable
{
    public const string Tenant = "default";

    private readonly string dataDirectory;
    private readonly RelayOptions options;
    private RelayEngine? engine;

    private InProcessRelay(string dataDirectory, RelayOptions options)
    {
        this.dataDirectory = dataDirectory;
        this.options = options;
    }

    public RelayEngine Engine => engine ?? throw new InvalidOperationException("the relay is down");

    public int Starts { get; private set; }

    public bool IsUp => engine is not null;

    /// <summary>Opens a relay on <paramref name="dataDirectory"/> with a fixed replica id (so a seed replays exactly).</summary>
    public static async Task<InProcessRelay> OpenAsync(string dataDirectory, TimeProvider time, string replicaId = "relay-sim")
    {
        var options = new RelayOptions
        {
            DataDirectory = dataDirectory,
            Time = time,
            // The simulation crashes the process model, not the machine: NORMAL keeps a commit across a crash.
            DurableCommits = false,
            DevicePollInterval = TimeSpan.FromHours(1),
        };
        await using (var store = SqliteRelayStore.Open(dataDirectory, durableCommits: false))
        {
            if (await store.GetMetaAsync("relay_replica") is null) await store.SetMetaAsync("relay_replica", replicaId);
            await store.EnsureTenantAsync(Tenant, time.GetUtcNow());
        }
        var relay = new InProcessRelay(dataDirectory, options);
        await relay.StartAsync();
        return relay;
    }

    private async Task StartAsync()
    {
        var store = SqliteRelayStore.Open(dataDirectory, options.DurableCommits);
        try
        {
            engine = await RelayEngine.OpenAsync(options, store, NullLoggerFactory.Instance, CancellationToken.None);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
        Starts++;
    }

    /// <summary>The relay process dies: everything in memory is gone; calls find no relay until <see cref="RecoverAsync"/>.</summary>
    public async Task CrashAsync()
    {
        if (engine is not null) await engine.DisposeAsync();
        engine = null;
    }

    /// <summary>The relay comes back: its state is rebuilt from its database.</summary>
    public async Task RecoverAsync()
    {
        if (engine is null) await StartAsync();
    }

    public static CallerIdentity Caller(string name, DeviceRoleKind role) => new(Tenant, name, role);

    public Task<Wire.PushResponse> PushAsync(CallerIdentity caller, Wire.PushRequest request, string? replicaKey = null) =>
        Engine.PushAsync(caller, request, replicaKey, CancellationToken.None);

    /// <summary>A whole non-live pull stream, as the device would receive it.</summary>
    public async Task<List<Wire.PullResponse>> PullAsync(CallerIdentity caller, ulong cursor, uint maxItems)
    {
        var writer = new CollectingStreamWriter();
        await new OpStreamer(Engine, Engine.Store, caller, writer).RunAsync(cursor, maxItems, live: false, CancellationToken.None);
        return writer.Items;
    }

    public Task<Wire.PinResponse> PinAsync(CallerIdentity caller, Wire.PinRequest request) =>
        Engine.PinAsync(caller, request, CancellationToken.None);

    /// <summary>Documents.Mutate as the service runs it, the answer's document view included.</summary>
    public async Task<Wire.MutateResponse> MutateAsync(CallerIdentity caller, Wire.MutateRequest request)
    {
        var key = WireViews.Key(request.Document);
        var (op, _) = await Engine.MutateAsync(caller, key, request.Mutations, request.ExpectedVersion, allowResolve: false, CancellationToken.None);
        var tenant = await Engine.TenantAsync(caller.Tenant);
        var document = tenant.ViewOf(key);
        return new Wire.MutateResponse
        {
            Document = WireViews.ToWire(document.View, document.Version),
            Dot = new Wire.Dot { Replica = op.Dot.Replica.Value, Seq = (ulong)op.Dot.Seq },
        };
    }

    public Task<TenantState> TenantAsync() => Engine.TenantAsync(Tenant);

    /// <summary>Every op in the relay's log, read from its store, in position order.</summary>
    public async Task<List<LogEntry>> ReadLogAsync()
    {
        var all = new List<LogEntry>();
        long after = 0;
        while (true)
        {
            var page = await Engine.Store.ReadLogAsync(Tenant, after, 5_000);
            if (page.Count == 0) return all;
            all.AddRange(page);
            after = page[^1].Position;
        }
    }

    /// <summary>The schemas the relay runs with.</summary>
    public SchemaRegistry Schemas => options.Schemas;

    public async ValueTask DisposeAsync()
    {
        if (engine is not null) await engine.DisposeAsync();
        engine = null;
    }
}
