using Crdt.Core;
using Grpc.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;

namespace Crdt.Relay.Tests.Sync;

/// <summary>Guards a replica's dots against other devices: a device that pushed ops under another
/// device's replica id could block that replica's later ops with a dot conflict, or write
/// history in its name.</summary>
public sealed class ReplicaOwnershipTests : RelayTestBase
{
    private RelayClient _dina = null!;
    private RelayClient _dave = null!;

    protected override async Task SetUpAsync()
    {
        _dina = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        _dave = await Relay.DeviceAsync("dave", DeviceRoleKind.Dispatcher);
    }

    [Fact]
    public async Task Ops_under_another_devices_replica_id_are_refused_and_cannot_block_its_later_ops()
    {
        var board = new Device("board-1", "dina");
        await _dina.PushAsync(board.CreateOrder("wo-1", "tom"));
        var headBefore = await Relay.Host.Store.GetHeadAsync("default");

        // dave forges board-1's next dot (seq 2) before board-1 itself pushes it.
        var forger = new Device("board-1", "dave");
        forger.CreatePart("p-0");
        var forged = forger.CreatePart("p-1");
        var error = await Assert.ThrowsAsync<RpcException>(() => _dave.PushAsync(forged));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("'board-1'", error.Status.Detail);
        Assert.Equal(headBefore, await Relay.Host.Store.GetHeadAsync("default"));
        // board-1's own seq 2 is still free for it.
        var own = await _dina.PushAsync(board.Set(Device.Order("wo-1"), WorkOrderFields.Priority, "high"));
        Assert.Equal(1u, own.Stored);
    }

    [Fact]
    public async Task A_refused_batch_binds_none_of_its_replica_ids()
    {
        await _dina.PushAsync(new Device("board-1", "dina").CreatePart("p-1"));
        var tablet = new Device("tablet-9", "dave");
        var forger = new Device("board-1", "dave");
        forger.CreatePart("p-0");

        var error = await Assert.ThrowsAsync<RpcException>(() => _dave.PushAsync(tablet.CreatePart("p-2"), forger.CreatePart("p-3")));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Null(await Relay.Host.Store.GetReplicaOwnerAsync("default", "tablet-9"));
    }

    [Fact]
    public async Task On_a_shared_device_every_person_showing_the_replica_key_pushes_under_its_replica_id()
    {
        const string key = "key-of-tablet-7-file-0123456789";
        var tablet = new Device("tablet-7", "dina");
        await _dina.PushWithKeyAsync(key, tablet.CreatePart("p-1"));

        // dave signs in on the same tablet: same replica id, his own token, the file's key.
        var daves = await _dave.PushWithKeyAsync(key, tablet.Editor.Edit(Device.Part("p-1"), "dave", Device.Now, m => m.Set(PartFields.Name, "Valve")));
        // A third device, not holding the file, neither with a wrong key nor with none.
        var eve = await Relay.DeviceAsync("eve", DeviceRoleKind.Dispatcher);
        var forger = new Device("tablet-7", "eve");
        forger.CreatePart("p-0");
        forger.CreatePart("p-0b");
        var forged = forger.CreatePart("p-9");
        var wrongKey = await Assert.ThrowsAsync<RpcException>(() => eve.PushWithKeyAsync("a-guessed-key-0000000000", forged));
        var noKey = await Assert.ThrowsAsync<RpcException>(() => eve.PushAsync(forged));

        Assert.Equal(1u, daves.Stored);
        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied), (wrongKey.StatusCode, noKey.StatusCode));
        Assert.Equal(1u, (await _dina.PushWithKeyAsync(key, tablet.CreatePart("p-2"))).Stored);
    }

    [Fact]
    public async Task A_device_cannot_push_under_the_relays_own_replica_id()
    {
        var relayReplica = await Relay.Host.Store.GetMetaAsync("relay_replica") ?? throw new InvalidOperationException("relay has no replica id");
        var forger = new Device(relayReplica, "dave");
        forger.CreatePart("p-0");

        var error = await Assert.ThrowsAsync<RpcException>(() => _dave.PushAsync(forger.CreatePart("p-9")));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains(relayReplica, error.Status.Detail);
    }
}
