// The smallest app that embeds a CrdtFieldStore replica:
//   dotnet run --project samples/Embedding -- RELAY_URL TOKEN [REPLICA_FILE]
// It opens (or creates) the replica file, signs in with a device token, creates a work order,
// logs hours on it offline-first, syncs with the relay and reads the merged order back.
using Crdt.Core;
using Crdt.Replica;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Embedding RELAY_URL TOKEN [REPLICA_FILE]");
    return 2;
}
var (relayUrl, token) = (args[0], args[1]);
var file = args.Length > 2 ? args[2] : "embedding.db";

await using var replica = await DeviceReplica.OpenAsync(file);  // creates or migrates the file
await replica.SignInAsync(relayUrl, token);                      // the relay knows who the token is

var id = "WO-" + Guid.NewGuid().ToString("N")[..6];
await replica.Create(WorkOrderFields.Collection, id)            // durable when SaveAsync returns,
    .Set(WorkOrderFields.Title, "Boiler service")               // with or without a network
    .Set(WorkOrderFields.Status, WorkOrderStatus.Open)
    .SaveAsync();
await replica.EditWorkOrder(id).AddHours(1.5m, "replaced seal").SaveAsync();

await replica.SyncAsync();                                       // push the outbox, then pull
var order = replica.GetWorkOrder(id) ?? throw new InvalidOperationException($"{id} is gone");
Console.WriteLine($"{order.Id} '{order.Title}' {order.Status}: {order.TotalHours} h, " +
    $"{replica.PendingCount} pending, {replica.Flags().Count} flag(s)");
return 0;
