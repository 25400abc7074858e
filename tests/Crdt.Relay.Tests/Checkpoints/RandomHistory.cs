using Crdt.Core;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Tests.Checkpoints;

/// <summary>
/// A random tenant history for checkpoint tests, in the style of the convergence properties: a few
/// devices (and the relay's own replica) edit a handful of orders, each from what it has seen so far,
/// catching up with the others now and then, so edits are concurrent and raise flags (ConcurrentEdit,
/// EditOnDeleted, WorkOnClosedOrder), orders change hands, and some flags get resolved.
/// </summary>
internal static class RandomHistory
{
    public const string RelayReplica = "relay-checkpoint-test";

    private static readonly string[] Technicians = ["tom", "sue", "kim"];

    public static List<Op> Make(int seed, int count)
    {
        var random = new Random(seed);
        string[] replicas = ["dev-a", "dev-b", "dev-c", RelayReplica];
        var editors = replicas.Select(r => new LocalEditor(new ReplicaId(r), new DocumentSet(SchemaRegistry.CreateDefault()))).ToArray();
        var seen = new int[editors.Length];
        var all = new List<Op>();
        var wall = 1_760_000_000_000L;
        while (all.Count < count)
        {
            var who = random.Next(editors.Length);
            var editor = editors[who];
            if (random.Next(4) == 0)
            {
                for (; seen[who] < all.Count; seen[who]++)
                {
                    editor.ApplyRemote(all[seen[who]], wall);
                }
            }
            wall += 1 + random.Next(50);
            var key = new DocumentKey(WorkOrderFields.Collection, $"wo-{random.Next(5)}");
            var author = Technicians[random.Next(Technicians.Length)];
            try
            {
                all.Add(MakeOne(editor, key, author, wall, random, all.Count));
            }
            catch (ValidationException)
            {
                // A step the workflow or the schema refuses at write time: the device would not send it.
            }
        }
        return all;
    }

    private static Op MakeOne(LocalEditor editor, DocumentKey key, string author, long wall, Random random, int n)
    {
        if (!editor.Documents.Exists(key))
        {
            return editor.Create(key, author, wall, m => m.Set(WorkOrderFields.Title, $"Order {key.Id}").Set(WorkOrderFields.Status, WorkOrderStatus.Open)
                .Set(WorkOrderFields.Assignee, Technicians[random.Next(Technicians.Length)]));
        }
        var flags = editor.Documents.Flags(key);
        return random.Next(12) switch
        {
            0 => editor.Edit(key, author, wall, m => m.Set(WorkOrderFields.Assignee, Technicians[random.Next(Technicians.Length)])),
            1 or 2 => editor.Edit(key, author, wall, m => m.Set(WorkOrderFields.Description, $"note {n}")),
            3 => editor.Edit(key, author, wall, m => m.Set(WorkOrderFields.Status,
                new[] { WorkOrderStatus.InProgress, WorkOrderStatus.OnHold, WorkOrderStatus.Completed }[random.Next(3)])),
            4 or 5 => editor.Edit(key, author, wall, m => m.Add(WorkOrderFields.TimeEntries, $"t{n}", (TimeEntryFields.Hours, 0.5m))),
            6 when editor.Documents.View(key).Elements(WorkOrderFields.TimeEntries) is { Count: > 0 } entries =>
                editor.Edit(key, author, wall, m => m.Remove(WorkOrderFields.TimeEntries, entries[random.Next(entries.Count)].Id)),
            7 when random.Next(4) == 0 => editor.Delete(key, author, wall),
            8 when flags.Count > 0 => editor.Resolve(flags[0].Id, ResolutionFor(flags[0].Kind, random), author, wall),
            _ => editor.Edit(key, author, wall, m => m.Set(WorkOrderFields.Priority, random.Next(2) == 0 ? "high" : "low")),
        };
    }

    private static Resolution ResolutionFor(FlagKind kind, Random random) => kind == FlagKind.WorkOnClosedOrder
        ? (random.Next(2) == 0 ? Resolution.Accept : Resolution.Discard)
        : (random.Next(2) == 0 ? Resolution.KeepMine : Resolution.KeepTheirs);

    public static OpRecord Record(Op op) =>
        new(op.Dot.Replica.Value, op.Dot.Seq, new StoreDocumentKey(op.Document.Collection, op.Document.Id), OpCodec.Encode(op));
}
