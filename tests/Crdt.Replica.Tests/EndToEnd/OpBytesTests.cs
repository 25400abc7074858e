using Crdt.Core;
using Crdt.Relay.Storage.Sqlite;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// Guards that a replica pushes its outbox rows as they are, over Grpc.Net.Client to a real relay
/// process: the relay stores, byte for byte, what the editing device stored when the edit was made.
/// </summary>
public sealed class OpBytesTests(RelayFixture relay) : IClassFixture<RelayFixture>
{
    [Fact]
    public async Task The_relay_stores_the_bytes_the_editing_device_stored()
    {
        await using var origin = await relay.DeviceAsync("dispatch");
        await origin.Create(WorkOrderFields.Collection, "WO-BYTES")
            .Set(WorkOrderFields.Status, WorkOrderStatus.Scheduled)
            .Set(WorkOrderFields.Title, "Bytes once")
            .Set(WorkOrderFields.Assignee, "ana")
            .SaveAsync();
        await origin.EditWorkOrder("WO-BYTES").Set(WorkOrderFields.Description, "encoded when edited").SaveAsync();
        await origin.SyncAsync();

        var made = origin.Store.AllOps().Where(op => op.Replica == origin.Id.Value).ToDictionary(op => (op.Replica, op.Seq), op => op.Bytes);
        var stored = await RelayPayloadsAsync(origin.Id.Value);

        Assert.Equal(2, made.Count);
        Assert.Equal(made.Keys.Order(), stored.Keys.Order());
        foreach (var (dot, bytes) in made) Assert.Equal(bytes, stored[dot]);
    }

    private async Task<Dictionary<(string, long), byte[]>> RelayPayloadsAsync(string replica)
    {
        await using var store = SqliteRelayStore.Open(relay.DataDirectory);
        var payloads = new Dictionary<(string, long), byte[]>();
        long after = 0;
        while (true)
        {
            var entries = await store.ReadLogAsync("default", after, 10_000);
            if (entries.Count == 0) return payloads;
            foreach (var entry in entries.Where(e => e.Replica == replica)) payloads[(entry.Replica, entry.Sequence)] = entry.Payload;
            after = entries[^1].Position;
        }
    }
}
