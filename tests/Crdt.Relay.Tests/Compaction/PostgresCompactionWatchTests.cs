using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Postgres;
using Crdt.Relay.Tests.Storage;
using Crdt.Relay.Tests.Support;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Compaction;

/// <summary>
/// A Documents.Watch on a relay node that missed ops another node then compacted away: the node gets
/// those ops only as documents' bases, with no op to say which documents changed, and the watch must
/// still report the documents as they are now (a Subscribe stream is told to pull again instead).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCompactionWatchTests
{
    [Fact]
    public async Task A_watch_on_a_node_cut_off_while_another_compacted_reports_the_watched_documents_as_they_are_now()
    {
        CutOffStore? cut = null;
        await using var relays = await PostgresRelays.StartAsync(2, storeOf: (i, store) =>
        {
            if (i != 1)
            {
                return store;
            }
            var (proxy, control) = CutOffStore.Over((PostgresRelayStore)store);
            cut = control;
            return proxy;
        });
        var tokens = new Dictionary<string, string>
        {
            ["admin"] = await relays.RegisterAsync("admin", DeviceRoleKind.Admin),
            ["bob"] = await relays.RegisterAsync("bob", DeviceRoleKind.Dispatcher),
        };
        RelayClient Client(int node, string name) => relays.Client(node, tokens[name], name);
        var admin = new CompactionReplica("admin", "board-admin");
        var bob = new CompactionReplica("bob", "board-bob");
        admin.Keep(admin.Editor.CreateOrder("wo-1", "tom"));
        admin.Keep(admin.Editor.CreateOrder("wo-2", "tom"));
        await admin.SyncAsync(Client(0, "admin"));
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var watch = Client(1, "bob").Watch(new Wire.WatchRequest { Collection = "WorkOrder" }, stop.Token);
        await watch.ResponseHeadersAsync.WaitAsync(stop.Token);

        // Node 1 loses the database; meanwhile the orders are edited through node 0, everyone acknowledges, node 0 compacts.
        cut!.CutOff = true;
        admin.Churn(5, "a", "wo-1", "wo-2");
        foreach (var replica in new[] { admin, bob, admin, bob }) await replica.SyncAsync(Client(0, replica.Name));
        var client = Client(0, "admin");
        var compacted = await client.Admin.CompactAsync(new Wire.CompactRequest(), client.Options()).ResponseAsync;
        Assert.True(compacted.OpsAfter < compacted.OpsBefore / 3, compacted.ToString());
        var now = new Dictionary<string, Wire.DocumentView>
        {
            ["wo-1"] = await Client(0, "bob").GetAsync("WorkOrder", "wo-1"),
            ["wo-2"] = await Client(0, "bob").GetAsync("WorkOrder", "wo-2"),
        };
        cut.CutOff = false;

        // Back: the watch reports each order as it is now (the views node 0 serves).
        var seen = new Dictionary<string, Wire.DocumentView>();
        while (!now.All(n => seen.TryGetValue(n.Key, out var view) && view.Equals(n.Value)))
        {
            Assert.True(await watch.ResponseStream.MoveNext(stop.Token));
            var change = watch.ResponseStream.Current;
            Assert.False(change.LeftScope);
            seen[change.Document.Document.Id] = change.Document;
        }
    }
}
