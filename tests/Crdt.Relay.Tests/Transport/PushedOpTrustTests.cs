using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Grpc.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Transport;

/// <summary>
/// Canonical op bytes the relay reads straight into ops (issue 11) are held to everything a parsed op is:
/// the relay's own replica id is not a device's to push, a context may name only ops the relay holds (its
/// own ones included), and an op pushed without an author is adopted the same way on every retry, so a
/// retry is a duplicate and not a dot reused with other content.
/// </summary>
public sealed class PushedOpTrustTests
{
    [Fact]
    public async Task Canonical_ops_of_the_relays_own_replica_are_refused_and_nothing_of_the_batch_is_stored()
    {
        await using var relay = await TestRelay.StartAsync();
        var dispatcher = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var relayReplica = await RelayReplicaAsync(relay, dispatcher);
        var board = new Device("board-trust", "dina");
        var good = board.CreateOrder("wo-t", "tom");
        var forged = new Device(relayReplica.Value, "dina").CreateOrder("wo-forged", "tom");
        var forgedLater = new Op(new Dot(relayReplica, 1_000), new Hlc(forged.Hlc.WallMs, 0, relayReplica), forged.Author, forged.Document, forged.Context, forged.Mutations);
        var headBefore = await relay.Host.Store.GetHeadAsync("default");

        var error = await Assert.ThrowsAsync<RpcException>(() => Push(dispatcher, good, forgedLater));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("the relay's own", error.Status.Detail);
        Assert.Equal(headBefore, await relay.Host.Store.GetHeadAsync("default"));
    }

    [Fact]
    public async Task A_canonical_context_naming_more_of_the_relays_ops_than_it_holds_is_refused()
    {
        await using var relay = await TestRelay.StartAsync();
        var dispatcher = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var relayReplica = await RelayReplicaAsync(relay, dispatcher);
        var held = OpCodec.Decode((await relay.Host.Store.ReadLogAsync("default", 0, 10))[^1].Payload);
        var part = held.Document;
        Op Edit(long seq, long relaySeq)
        {
            var context = new VersionVector();
            context.Observe(relayReplica, relaySeq);
            context.Freeze();
            var replica = new ReplicaId("board-context");
            return new Op(new Dot(replica, seq), new Hlc(Device.Now, 0, replica), "dina", part, context,
                [new SetField(PartFields.Name, FieldValue.String($"Valve {seq}"))]);
        }
        var headBefore = await relay.Host.Store.GetHeadAsync("default");

        var error = await Assert.ThrowsAsync<RpcException>(() => Push(dispatcher, Edit(1, held.Dot.Seq + 1)));
        var accepted = await Push(dispatcher, Edit(1, held.Dot.Seq));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("names ops the relay does not hold", error.Status.Detail);
        Assert.Equal(headBefore + 1, await relay.Host.Store.GetHeadAsync("default"));
        Assert.Equal(1u, accepted.Stored);
    }

    [Fact]
    public async Task An_op_without_an_author_pushed_again_is_a_duplicate_under_the_same_name()
    {
        await using var relay = await TestRelay.StartAsync();
        var dispatcher = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var unsigned = new Device("board-unsigned", "");
        var ops = new[] { unsigned.CreateOrder("wo-u", "tom"), unsigned.AddHours("wo-u", "e1", 1m), unsigned.AddHours("wo-u", "e2", 2m) };

        var first = await Push(dispatcher, ops[..2]);
        var again = await Push(dispatcher, ops);

        Assert.Equal((2u, 0u), (first.Stored, first.Duplicates));
        Assert.Equal((1u, 2u), (again.Stored, again.Duplicates));
        var stored = await relay.Host.Store.ReadLogAsync("default", 0, 10);
        Assert.Equal(ops.Select(o => OpCodec.Encode(new Op(o.Dot, o.Hlc, "dina", o.Document, o.Context, o.Mutations))), stored.Select(e => e.Payload));
    }

    /// <summary>The relay's replica id, as it stamps the op of a Mutate (which also leaves a Part in the log).</summary>
    private static async Task<ReplicaId> RelayReplicaAsync(TestRelay relay, RelayClient dispatcher)
    {
        await dispatcher.MutateAsync("Part", "p-1", 0,
            new Wire.Mutation { SetField = new Wire.SetField { Field = PartFields.Sku, Value = new Wire.FieldValue { StringValue = "SKU-1" } } },
            new Wire.Mutation { SetField = new Wire.SetField { Field = PartFields.Name, Value = new Wire.FieldValue { StringValue = "Valve" } } });
        return OpCodec.Decode((await relay.Host.Store.ReadLogAsync("default", 0, 10))[^1].Payload).Dot.Replica;
    }

    private static Task<Wire.PushResponse> Push(RelayClient device, params Op[] ops) =>
        device.Sync.PushAsync(Wire.PushRequest.OfEncodedOps(ops.Select(OpCodec.Encode)), device.Options()).ResponseAsync;
}
