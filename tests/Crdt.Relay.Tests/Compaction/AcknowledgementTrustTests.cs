using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Grpc.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Compaction;

/// <summary>
/// What a device's acknowledgement may claim (issue 16, the trust hole found at the end of session 5):
/// a pull counts as an acknowledgement only for the caller's own replica (or one whose replica key it
/// shows) and only once the relay holds that replica's ops without a gap; and an op that did not see
/// what a document's compacted base folded in is refused, so a wrong horizon can never make replicas
/// diverge. A device that lies about its replica only holds compaction back or loses its own edits to
/// a clear refusal.
/// </summary>
public sealed class AcknowledgementTrustTests : IAsyncDisposable
{
    private readonly Dictionary<string, RelayClient> _devices = [];
    private TestRelay? _relay;

    private async Task StartAsync() => _relay = await TestRelay.StartAsync();

    private async Task RegisterAsync(string name, DeviceRoleKind role = DeviceRoleKind.Dispatcher) =>
        _devices[name] = await _relay!.DeviceAsync(name, role);

    private RelayClient Client(string name) => _devices[name];

    public async ValueTask DisposeAsync()
    {
        if (_relay is not null) await _relay.DisposeAsync();
    }

    /// <summary>A pull acknowledging the log head; returns the head.</summary>
    private async Task<ulong> AcknowledgeHeadAsync(string device, string replica, ulong madeThrough, string? replicaKey = null)
    {
        var items = await Client(device).PullAsync(0, 0, replica, madeThrough);
        var head = items.Last(i => i.ItemCase == Wire.PullResponse.ItemOneofCase.Checkpoint).Checkpoint.Cursor;
        await Client(device).PullAsync(head, 0, replica, madeThrough, replicaKey);
        return head;
    }

    private async Task<ulong> AcknowledgedAsync(string device)
    {
        var progress = await Client("admin").Admin.ListDeviceProgressAsync(new Wire.ListDeviceProgressRequest(), Client("admin").Options()).ResponseAsync;
        return progress.Devices.Single(d => d.Name == device).Acknowledged;
    }

    [Fact]
    public async Task A_pull_naming_another_devices_replica_acknowledges_nothing()
    {
        await StartAsync();
        await RegisterAsync("admin", DeviceRoleKind.Admin);
        await RegisterAsync("eve");
        var admin = new Device("board-admin", "admin");
        await Client("admin").PushAsync(admin.CreateOrder("wo-1", "tom"), admin.CreateOrder("wo-2", "tom"));
        // eve stored one op; her second is still on her device.
        var eve = new Device("board-eve", "eve");
        await Client("eve").PushAsync(eve.CreatePart("p-1"));
        eve.CreatePart("p-2");

        // Naming the admin's replica (all of its ops stored) must not make her pull count.
        await AcknowledgeHeadAsync("eve", "board-admin", 2);
        Assert.Equal(0ul, await AcknowledgedAsync("eve"));
        // Nor claiming more of her own replica than the relay holds, nor a replica nobody pushed with a sequence.
        await AcknowledgeHeadAsync("eve", "board-eve", 2);
        await AcknowledgeHeadAsync("eve", "board-unknown", 1);
        Assert.Equal(0ul, await AcknowledgedAsync("eve"));

        // Her own replica, with what the relay holds of it: counts.
        var head = await AcknowledgeHeadAsync("eve", "board-eve", 1);
        Assert.Equal(head, await AcknowledgedAsync("eve"));
    }

    [Fact]
    public async Task A_pull_counts_only_once_the_relay_holds_the_replicas_ops_without_a_gap()
    {
        await StartAsync();
        await RegisterAsync("admin", DeviceRoleKind.Admin);
        await RegisterAsync("bob");
        var bob = new Device("board-bob", "bob");
        await Client("bob").PushAsync(bob.CreatePart("p-1"));
        var second = bob.CreatePart("p-2");
        await Client("bob").PushAsync(bob.CreatePart("p-3"));

        // The relay holds sequences 1 and 3: the highest is 3, but 2 could still arrive under a horizon covering it.
        await AcknowledgeHeadAsync("bob", "board-bob", 3);
        Assert.Equal(0ul, await AcknowledgedAsync("bob"));

        await Client("bob").PushAsync(second);
        var head = await AcknowledgeHeadAsync("bob", "board-bob", 3);
        Assert.Equal(head, await AcknowledgedAsync("bob"));
    }

    [Fact]
    public async Task A_second_person_on_a_shared_device_acknowledges_with_the_devices_replica_key()
    {
        const string key = "key-of-tablet-7-file-0123456789";
        await StartAsync();
        await RegisterAsync("admin", DeviceRoleKind.Admin);
        await RegisterAsync("dina");
        await RegisterAsync("dave");
        var tablet = new Device("tablet-7", "dina");
        await Client("dina").PushWithKeyAsync(key, tablet.CreatePart("p-1"));

        await AcknowledgeHeadAsync("dave", "tablet-7", 1, replicaKey: "another-key-0123456789");
        Assert.Equal(0ul, await AcknowledgedAsync("dave"));
        var head = await AcknowledgeHeadAsync("dave", "tablet-7", 1, replicaKey: key);
        Assert.Equal(head, await AcknowledgedAsync("dave"));
    }

    [Fact]
    public async Task An_op_that_did_not_see_a_compacted_base_is_refused_and_changes_nothing()
    {
        await StartAsync();
        await RegisterAsync("admin", DeviceRoleKind.Admin);
        await RegisterAsync("bob");
        var admin = new Device("board-admin", "admin");
        var create = admin.CreateOrder("wo-1", "tom", title: "Fix the pump");
        var rename = admin.Set(Device.Order("wo-1"), WorkOrderFields.Title, "Fix the pump now");
        await Client("admin").PushAsync(create, rename);
        // bob edits the title on a second tablet that never saw the rename (its context lacks it) ...
        var tablet = new Device("tablet-bob", "bob");
        tablet.Receive([create]);
        var blind = tablet.Set(Device.Order("wo-1"), WorkOrderFields.Title, "Replace the pump");
        // ... while his first tablet, holding everything and having made nothing, acknowledges the head:
        // the rename becomes stable and is compacted.
        await AcknowledgeHeadAsync("admin", "board-admin", 2);
        await AcknowledgeHeadAsync("bob", "board-bob", 0);
        var compacted = await Client("admin").Admin.CompactAsync(new Wire.CompactRequest(), Client("admin").Options(deadline: false)).ResponseAsync;
        Assert.Equal(1, compacted.Documents);
        var before = await Client("admin").GetAsync(WorkOrderFields.Collection, "wo-1");

        var refused = await Assert.ThrowsAsync<RpcException>(() => Client("bob").PushAsync(blind));

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("has not seen board-admin:2", refused.Status.Detail);
        Assert.Contains("compacted", refused.Status.Detail);
        Assert.Equal(before, await Client("admin").GetAsync(WorkOrderFields.Collection, "wo-1"));

        // The same edit from the tablet that saw the rename merges as usual.
        var bob = new Device("board-bob", "bob");
        bob.Receive([create, rename]);
        await Client("bob").PushAsync(bob.Set(Device.Order("wo-1"), WorkOrderFields.Title, "Replace the pump"));
        Assert.Equal("Replace the pump", (await Client("admin").GetAsync(WorkOrderFields.Collection, "wo-1")).Fields["title"].StringValue);
    }
}
