using System.Net;
using System.Text;
using System.Text.Json;
using Crdt.Core;
using Crdt.Relay.Cli;
using Crdt.Relay.Compaction;
using Crdt.Relay.Devices;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Sqlite;
using Crdt.Relay.Tests.Support;
using Microsoft.Extensions.Logging;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Compaction;

/// <summary>
/// Guards bounded history on the relay (issue 16): compacting a stopped relay's store shrinks its log
/// but changes nothing any device receives or the relay shows, a device offline across compactions
/// comes back with its pending edits merging as if nothing had been compacted, the device that holds
/// compaction back is named, and an interrupted compaction leaves a store that still serves the same state.
/// </summary>
public sealed class RelayCompactionTests : IAsyncDisposable
{
    private const string Tenant = "default";
    private readonly TempFolder _folder = new();
    private readonly Dictionary<string, string> _tokens = [];
    private readonly List<RelayClient> _clients = [];
    private RelayHost? _host;

    private RelayOptions Options() => new()
    {
        DataDirectory = _folder.Path,
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        DurableCommits = false,
        DevicePollInterval = TimeSpan.FromMilliseconds(100),
        ConfigureLogging = logging => logging.SetMinimumLevel(LogLevel.Critical),
    };

    private async Task StartAsync() => _host = await RelayHost.StartAsync(Options());

    private async Task StopAsync()
    {
        foreach (var client in _clients) client.Dispose();
        _clients.Clear();
        await _host!.DisposeAsync();
        _host = null;
    }

    private async Task RegisterAsync(string name)
    {
        var token = DeviceTokens.NewToken();
        await _host!.Store.AddDeviceAsync(new NewDevice(Tenant, name, DeviceRoleKind.Dispatcher, DeviceTokens.Hash(token), DateTimeOffset.UtcNow));
        _tokens[name] = token;
    }

    private RelayClient Client(string name)
    {
        var client = new RelayClient(_host!.Address, _tokens[name], name);
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await StopAsync();
        _folder.Dispose();
    }

    /// <summary>A device's replica as sync builds it: snapshots merged, ops applied, the cursor of the last checkpoint.</summary>
    private sealed class Replica(string name, string replica)
    {
        public Support.Device Editor { get; } = new(replica, name);
        public string Name { get; } = name;
        public string ReplicaName { get; } = replica;
        public ulong Cursor { get; private set; }
        public List<Op> Made { get; } = [];
        public int Pushed { get; set; }

        public Op Keep(Op op)
        {
            Made.Add(op);
            return op;
        }

        public void Take(List<Wire.PullResponse> items)
        {
            foreach (var item in items)
            {
                switch (item.ItemCase)
                {
                    case Wire.PullResponse.ItemOneofCase.Document:
                        Wire.CoreMessages.MergeSnapshot(Editor.Documents, item.Document);
                        break;
                    case Wire.PullResponse.ItemOneofCase.Op:
                        Editor.Editor.ApplyRemote(Wire.CoreMessages.ToOp(item.Op), Support.Device.Now);
                        break;
                    case Wire.PullResponse.ItemOneofCase.Checkpoint:
                        Cursor = item.Checkpoint.Cursor;
                        break;
                }
            }
        }
    }

    /// <summary>Pushes what the replica made since its last push, then pulls acknowledging its cursor (what a sync round does).</summary>
    private async Task SyncAsync(Replica replica)
    {
        var client = Client(replica.Name);
        if (replica.Pushed < replica.Made.Count)
        {
            await client.PushAsync([.. replica.Made.Skip(replica.Pushed)]);
            replica.Pushed = replica.Made.Count;
        }
        replica.Take(await client.PullAsync(replica.Cursor, 0, replica.ReplicaName, (ulong)(replica.Editor.Editor.NextSequence - 1)));
    }

    private static string Fingerprint(DocumentSet documents)
    {
        var text = new StringBuilder();
        foreach (var key in documents.Keys.OrderBy(k => k))
        {
            text.Append(key).Append(' ').Append(documents.View(key).ToJson(true)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>What a brand-new device bootstraps to (cursor 0).</summary>
    private async Task<DocumentSet> BootstrapAsync(string device)
    {
        var fresh = new Replica(device, "probe-" + Guid.NewGuid().ToString("N")[..8]);
        fresh.Take(await Client(device).PullAsync());
        return fresh.Editor.Documents;
    }

    private async Task<JsonElement> CompactAsync()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await RelayCli.RunAsync(["compact", "--data", _folder.Path, "--json"], output, error);
        Assert.True(exit == 0, $"compact exited {exit}: {error}");
        return JsonDocument.Parse(output.ToString()).RootElement;
    }

    private static DocumentSet Reference(params Replica[] replicas)
    {
        var reference = new DocumentSet(SchemaRegistry.CreateDefault());
        reference.ApplyAll(replicas.SelectMany(r => r.Made));
        return reference;
    }

    /// <summary>Many edits of a few orders by board A, so most of the log is overwritten history.</summary>
    private static void Churn(Replica board, int rounds, string tag)
    {
        // Steps the status workflow allows from an open order, round after round (issue 17).
        var statuses = new[] { WorkOrderStatus.InProgress, WorkOrderStatus.OnHold };
        for (var round = 0; round < rounds; round++)
        {
            foreach (var id in new[] { "wo-1", "wo-2" })
            {
                var key = Support.Device.Order(id);
                board.Keep(board.Editor.Set(key, WorkOrderFields.Priority, round % 2 == 0 ? "high" : "low"));
                board.Keep(board.Editor.Set(key, WorkOrderFields.Description, $"round {round}"));
                board.Keep(board.Editor.Set(key, WorkOrderFields.Status, statuses[round % statuses.Length]));
                board.Keep(board.Editor.AddHours(id, $"{id}-{tag}{round}", 1.5m));
                if (round % 2 == 1)
                {
                    board.Keep(board.Editor.Editor.Edit(key, board.Editor.Author, Support.Device.Now, m => m.Remove(WorkOrderFields.TimeEntries, $"{id}-{tag}{round - 1}")));
                }
            }
        }
    }

    [Fact]
    public async Task A_device_offline_across_compactions_comes_back_and_its_edits_merge_as_if_nothing_was_compacted()
    {
        await StartAsync();
        foreach (var name in new[] { "ann", "bob", "cat" }) await RegisterAsync(name);
        var ann = new Replica("ann", "board-ann");
        var bob = new Replica("bob", "board-bob");
        var cat = new Replica("cat", "board-cat");
        ann.Keep(ann.Editor.CreateOrder("wo-1", "tom"));
        ann.Keep(ann.Editor.CreateOrder("wo-2", "tom"));
        Churn(ann, 6, "a");
        foreach (var replica in new[] { ann, bob, cat, ann, bob, cat }) await SyncAsync(replica);

        // Cat goes offline (its last acknowledgement stands) and keeps editing what it saw then.
        cat.Keep(cat.Editor.Set(Support.Device.Order("wo-1"), WorkOrderFields.Description, "cat was here, offline"));
        cat.Keep(cat.Editor.AddHours("wo-2", "cat-hours", 4m));
        Churn(ann, 6, "b");
        await SyncAsync(ann);
        await SyncAsync(bob);
        await SyncAsync(ann);
        await SyncAsync(bob);

        var before = Fingerprint(await BootstrapAsync("bob"));
        await StopAsync();

        var first = await CompactAsync();
        var held = first.GetProperty("tenants")[0].GetProperty("heldBackBy").EnumerateArray().Select(d => d.GetProperty("device").GetString()).ToList();
        Assert.Equal(["cat"], held);
        Assert.True(first.GetProperty("opsAfter").GetInt64() < first.GetProperty("opsBefore").GetInt64(), first.ToString());

        await StartAsync();
        Assert.Equal(before, Fingerprint(await BootstrapAsync("bob")));

        // Cat revoked... not yet: it comes back, pushes its offline edits and pulls from its old cursor.
        await SyncAsync(cat);
        await SyncAsync(ann);
        await SyncAsync(bob);
        var reference = Fingerprint(Reference(ann, bob, cat));
        Assert.Equal(reference, Fingerprint(cat.Editor.Documents));
        Assert.Equal(reference, Fingerprint(ann.Editor.Documents));
        Assert.Equal(reference, Fingerprint(bob.Editor.Documents));
        Assert.Equal(reference, Fingerprint(await BootstrapAsync("bob")));
        Assert.Contains("cat was here, offline", reference);

        // Everyone caught up and acknowledged: the next compaction folds almost everything, and changes nothing seen.
        foreach (var replica in new[] { ann, bob, cat, ann, bob, cat }) await SyncAsync(replica);
        await StopAsync();
        var second = await CompactAsync();
        Assert.True(second.GetProperty("opsAfter").GetInt64() <= 6, second.ToString());
        Assert.True(second.GetProperty("bytesAfter").GetInt64() < first.GetProperty("bytesBefore").GetInt64(), $"{first} then {second}");
        await StartAsync();
        Assert.Equal(reference, Fingerprint(await BootstrapAsync("bob")));

        // Work goes on after compaction: a new edit reaches everyone; a restart changes nothing.
        ann.Keep(ann.Editor.Set(Support.Device.Order("wo-2"), WorkOrderFields.Priority, "urgent"));
        foreach (var replica in new[] { ann, bob, cat }) await SyncAsync(replica);
        var after = Fingerprint(Reference(ann, bob, cat));
        Assert.Equal(after, Fingerprint(cat.Editor.Documents));
        await StopAsync();
        await StartAsync();
        Assert.Equal(after, Fingerprint(await BootstrapAsync("bob")));
    }

    [Fact]
    public async Task Device_list_names_the_device_that_holds_compaction_back_and_since_when()
    {
        await StartAsync();
        await RegisterAsync("ann");
        await RegisterAsync("never-synced");
        var ann = new Replica("ann", "board-ann");
        ann.Keep(ann.Editor.CreateOrder("wo-1", "tom"));
        await SyncAsync(ann);
        await SyncAsync(ann);
        await StopAsync();

        var output = new StringWriter();
        Assert.Equal(0, await RelayCli.RunAsync(["device", "list", "--data", _folder.Path], output, new StringWriter()));

        var lines = output.ToString().Split('\n');
        Assert.Matches(@"ann\s.*\s\d+\s+no", lines.Single(l => l.Contains(" ann ")));
        Assert.Matches(@"never-synced\s.*\s0\s+yes, since \d{4}-\d\d-\d\d", lines.Single(l => l.Contains("never-synced")));
    }

    [Fact]
    public async Task A_pull_that_does_not_prove_the_device_pushed_what_it_made_acknowledges_nothing()
    {
        await StartAsync();
        await RegisterAsync("ann");
        var ann = new Replica("ann", "board-ann");
        ann.Keep(ann.Editor.CreateOrder("wo-1", "tom"));
        await SyncAsync(ann);
        var client = Client("ann");

        // Claims more made than the relay holds (of its replica or of one never pushed), or names none: no acknowledgement is kept.
        await client.PullAsync(ann.Cursor, 0, "board-ann", 5);
        await client.PullAsync(ann.Cursor, 0, "board-someone-else", 1);
        await client.PullAsync(ann.Cursor);
        var store = (ICompactionStore)_host!.Store;
        Assert.Empty(await store.ListAcknowledgementsAsync(Tenant));

        await client.PullAsync(ann.Cursor, 0, "board-ann", 1);
        Assert.Equal([("ann", (long)ann.Cursor)], (await store.ListAcknowledgementsAsync(Tenant)).Select(a => (a.Device, a.Position)));
    }

    [Fact]
    public async Task A_compaction_interrupted_between_transactions_leaves_a_store_that_serves_the_same_state()
    {
        await StartAsync();
        await RegisterAsync("ann");
        var ann = new Replica("ann", "board-ann");
        for (var i = 0; i < 12; i++)
        {
            ann.Keep(ann.Editor.CreateOrder($"wo-{i}", "tom"));
            ann.Keep(ann.Editor.Set(Support.Device.Order($"wo-{i}"), WorkOrderFields.Priority, "high"));
            ann.Keep(ann.Editor.Set(Support.Device.Order($"wo-{i}"), WorkOrderFields.Priority, "low"));
        }
        await SyncAsync(ann);
        await SyncAsync(ann);
        var expected = Fingerprint(Reference(ann));
        await StopAsync();

        // One document per transaction; the run stops after a few (as a kill between two commits would).
        using var cancel = new CancellationTokenSource();
        await using (var store = SqliteRelayStore.Open(_folder.Path))
        {
            var compactor = new RelayCompactor(store, SchemaRegistry.CreateDefault()) { BatchSize = 1, AfterBatch = n => { if (n == 4) cancel.Cancel(); } };
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => compactor.CompactTenantAsync(Tenant, cancel.Token));
            Assert.Equal(4, (await store.ReadBasesAsync(Tenant)).Count);
        }
        await StartAsync();
        Assert.Equal(expected, Fingerprint(await BootstrapAsync("ann")));
        await StopAsync();

        var finished = await CompactAsync();
        Assert.True(finished.GetProperty("opsAfter").GetInt64() < 12, finished.ToString());
        await StartAsync();
        Assert.Equal(expected, Fingerprint(await BootstrapAsync("ann")));
    }
}
