using System.Text;
using Crdt.Core;
using Crdt.Relay.Tests.Support;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Compaction;

/// <summary>
/// A device's replica as sync builds it, for the running-relay compaction tests: snapshots merged, ops
/// applied, the cursor of the last checkpoint, and every op it made (the reference state is all of them).
/// </summary>
internal sealed class CompactionReplica(string name, string replica)
{
    public Support.Device Editor { get; } = new(replica, name);
    public string Name { get; } = name;
    public string ReplicaName { get; } = replica;
    public ulong Cursor { get; set; }
    public List<Op> Made { get; } = [];
    public int Pushed { get; set; }

    /// <summary>Snapshots received by the last <see cref="Take"/>.</summary>
    public int SnapshotsTaken { get; private set; }

    public Op Keep(Op op)
    {
        Made.Add(op);
        return op;
    }

    public void Take(List<Wire.PullResponse> items)
    {
        SnapshotsTaken = 0;
        foreach (var item in items)
        {
            switch (item.ItemCase)
            {
                case Wire.PullResponse.ItemOneofCase.Document:
                    Wire.CoreMessages.MergeSnapshot(Editor.Documents, item.Document);
                    SnapshotsTaken++;
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

    /// <summary>Pushes what it made since its last push, then pulls acknowledging its cursor (a sync round).</summary>
    public async Task SyncAsync(RelayClient client)
    {
        if (Pushed < Made.Count)
        {
            var count = Made.Count;
            await client.PushAsync([.. Made.Skip(Pushed).Take(count - Pushed)]);
            Pushed = count;
        }
        Take(await client.PullAsync(Cursor, 0, ReplicaName, (ulong)(Editor.Editor.NextSequence - 1)));
    }

    /// <summary>Many edits of a few orders, so most of the log is overwritten history.</summary>
    public void Churn(int rounds, string tag, params string[] orders)
    {
        var statuses = new[] { WorkOrderStatus.InProgress, WorkOrderStatus.OnHold };
        for (var round = 0; round < rounds; round++)
        {
            foreach (var id in orders)
            {
                var key = Support.Device.Order(id);
                Keep(Editor.Set(key, WorkOrderFields.Priority, round % 2 == 0 ? "high" : "low"));
                Keep(Editor.Set(key, WorkOrderFields.Description, $"round {round} by {Name}"));
                Keep(Editor.Set(key, WorkOrderFields.Status, statuses[round % statuses.Length]));
                Keep(Editor.AddHours(id, $"{id}-{tag}{round}", 1.5m));
                if (round % 2 == 1)
                {
                    Keep(Editor.Editor.Edit(key, Editor.Author, Support.Device.Now, m => m.Remove(WorkOrderFields.TimeEntries, $"{id}-{tag}{round - 1}")));
                }
            }
        }
    }

    /// <summary>Every document's view with its flags, in key order: equal text, equal state.</summary>
    public static string Fingerprint(DocumentSet documents)
    {
        var text = new StringBuilder();
        foreach (var key in documents.Keys.OrderBy(k => k))
        {
            text.Append(key).Append(' ').Append(documents.View(key).ToJson(true)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>What a replica that never compacted holds: every op the replicas made.</summary>
    public static DocumentSet Reference(params CompactionReplica[] replicas)
    {
        var reference = new DocumentSet(SchemaRegistry.CreateDefault());
        reference.ApplyAll(replicas.SelectMany(r => r.Made));
        return reference;
    }

    /// <summary>What a brand-new device of <paramref name="client"/> bootstraps to (cursor 0, no acknowledgement).</summary>
    public static async Task<DocumentSet> BootstrapAsync(RelayClient client)
    {
        var fresh = new CompactionReplica(client.Name, "probe-" + Guid.NewGuid().ToString("N")[..8]);
        fresh.Take(await client.PullAsync());
        return fresh.Editor.Documents;
    }
}
