using Crdt.Core;
using Crdt.Replica.Internal.Documents;
using Crdt.Replica.Internal.Storage;
using Crdt.Replica.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Tests.Library;

/// <summary>
/// Issue 18, durable single edits: an edit is one transaction whose BEGIN and COMMIT are prepared
/// once per connection, and it runs nothing in SQLite but its op's inserts (no settings, stamp or
/// snapshot writes while its document's tail is short). Guards the statements an edit runs, that a
/// failure inside that transaction rolls all of it back and leaves the connection usable, and that
/// batches (looked up by list or by hash) return each edit's view and keep every op.
/// </summary>
public sealed class SingleEditPathTests
{
    private const string Order = "WO-1";

    private static Task CreateOrderAsync(DeviceReplica replica, string id) =>
        replica.Create(WorkOrderFields.Collection, id)
            .Set(WorkOrderFields.Status, WorkOrderStatus.Open)
            .Set(WorkOrderFields.Title, "Pump service " + id)
            .SaveAsync();

    /// <summary>Every statement SQLite starts on the replica's connection, as its text.</summary>
    private static List<string> TraceStatements(DeviceReplica replica)
    {
        var statements = new List<string>();
        SQLitePCL.raw.sqlite3_trace(replica.Store.Connection.Handle, (_, sql) => statements.Add(sql.Trim()), null);
        return statements;
    }

    private static string Verb(string sql) => sql.StartsWith("INSERT INTO ", StringComparison.Ordinal)
        ? "INSERT " + sql["INSERT INTO ".Length..].Split('(', ' ')[0]
        : sql.TrimEnd(';');

    [Fact]
    public async Task A_single_edit_runs_begin_its_two_inserts_and_commit_and_its_snapshot_only_every_so_many_ops()
    {
        using var dir = new TempDirectory();
        await using var replica = await DeviceReplica.OpenAsync(dir.File("r.db"));
        await CreateOrderAsync(replica, Order);
        var statements = TraceStatements(replica);

        var perEdit = new List<string[]>();
        for (var n = 1; n <= DocumentMemory.SnapshotEveryOps; n++)
        {
            statements.Clear();
            await replica.EditWorkOrder(Order).Set(WorkOrderFields.Priority, n % 2 == 0 ? "high" : "low").SaveAsync();
            perEdit.Add(statements.Select(Verb).ToArray());
        }

        // The create wrote the snapshot; 31 edits wait above it, the 32nd writes it again.
        string[] opOnly = ["BEGIN IMMEDIATE", "INSERT op_log", "INSERT outbox", "COMMIT"];
        Assert.All(perEdit.Take(DocumentMemory.SnapshotEveryOps - 1), edit => Assert.Equal(opOnly, edit));
        Assert.Equal(["BEGIN IMMEDIATE", "INSERT op_log", "INSERT outbox", "INSERT documents", "COMMIT"], perEdit[^1]);
        Assert.Equal(0, replica.Store.TailOpCount());
        Assert.Equal("high", replica.GetWorkOrder(Order)!.Priority);
    }

    [Fact]
    public void A_failure_inside_an_edit_transaction_rolls_all_of_it_back_and_the_next_edit_commits()
    {
        using var dir = new TempDirectory();
        var path = dir.File("r.db");
        using (var store = ReplicaStore.Open(path, ReplicaDurability.ProcessCrashOnly))
        {
            store.CommitLocalEdits([Op(1)], "ana", []);

            // Both inserts ran when the rows queued with the edit fail: none of it may stay.
            var failure = Assert.Throws<InvalidOperationException>(() => store.CommitLocalEdits([Op(2)], "ana",
                [new DocumentChange(new StoredDocument("WorkOrder", "WO-2", [9], ""), null)],
                _ => throw new InvalidOperationException("queued row refused")));
            Assert.Equal("queued row refused", failure.Message);
            Assert.NotEqual(0, SQLitePCL.raw.sqlite3_get_autocommit(store.Connection.Handle));
            Assert.Equal(1, store.OpCount());
            Assert.Equal(1, store.PendingCount());
            Assert.Null(store.LoadDocument("WorkOrder", "WO-2"));

            // The connection is out of the failed transaction: the next edit begins its own.
            store.CommitLocalEdits([Op(2)], "ana", []);
            Assert.Equal(2, store.OpCount());
            Assert.Equal(2, store.PendingCount());
        }

        // What another connection finds in the file: the two committed ops and nothing else.
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT group_concat(seq) FROM op_log), (SELECT group_concat(seq) FROM outbox), (SELECT COUNT(*) FROM documents)";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal("1,2", reader.GetString(0));
        Assert.Equal("1,2", reader.GetString(1));
        Assert.Equal(0, reader.GetInt64(2));
    }

    [Fact]
    public void Long_and_non_ascii_names_reach_the_op_log_and_outbox_as_given()
    {
        using var dir = new TempDirectory();
        using var store = ReplicaStore.Open(dir.File("r.db"), ReplicaDurability.ProcessCrashOnly);
        // Short strings are encoded on the stack, long ones (over 170 characters) another way.
        var longId = "WO-" + new string('é', 300);
        const string user = "Zoë Øster-Łukasz";

        store.CommitLocalEdits([new StoredOp("dev-ü", 1, "WorkOrder", "WO-ß", [1]), new StoredOp("dev-ü", 2, "WorkOrder", longId, [2, 3])], user, []);

        Assert.Equal(2, store.PendingCount(user));
        Assert.Equal([("dev-ü", 1L, user), ("dev-ü", 2L, user)], store.OutboxDots().Select(dot => (dot.Replica, dot.Seq, dot.UserName)));
        var stored = Assert.Single(store.OpsOfDocument("WorkOrder", longId));
        Assert.Equal(("dev-ü", 2L, longId), (stored.Replica, stored.Seq, stored.DocId));
        Assert.Equal([2, 3], stored.Bytes);
        Assert.Equal(1, Assert.Single(store.OpsOfDocument("WorkOrder", "WO-ß")).Seq);
        Assert.Equal(2, store.LastLocalSeq("dev-ü"));
    }

    [Theory]
    [InlineData(6)]
    [InlineData(2 * DocumentMemory.SnapshotEveryOps + 5)]
    public async Task A_batch_that_edits_documents_repeatedly_returns_each_edit_view_and_keeps_every_op(int edits)
    {
        using var dir = new TempDirectory();
        var path = dir.File("r.db");
        string[] ids = ["WO-A", "WO-B", "WO-C"];
        // Never closed before the reopen below: the batch's ops must be in the file on their own.
        var replica = await DeviceReplica.OpenAsync(path);
        try
        {
            foreach (var id in ids)
            {
                await CreateOrderAsync(replica, id);
            }
            var changed = new List<IReadOnlyList<DocumentKey>>();
            replica.DocumentsChanged += (_, e) => changed.Add(e.Documents);
            // WO-B first, then the others in turn, WO-A twice as often as the rest.
            var batch = Enumerable.Range(0, edits)
                .Select(n => ids[n == 0 ? 1 : n % 4 == 3 ? 0 : n % 3])
                .Select((id, n) => replica.EditWorkOrder(id).Add(WorkOrderFields.TimeEntries, $"e{n}", (TimeEntryFields.Hours, FieldValue.Decimal(0.5m))))
                .ToList();

            var views = await replica.SaveAllAsync(batch);

            Assert.Equal(batch.Select(edit => edit.Key), views.Select(view => view.Key));
            var firstEdited = batch.Select(edit => edit.Key).Distinct().ToList();
            Assert.Equal(firstEdited, Assert.Single(changed));
            Assert.Equal(ids[1], firstEdited[0].Id);
            var expected = ids.ToDictionary(id => id, id => batch.Count(edit => edit.Key.Id == id));
            foreach (var id in ids)
            {
                Assert.Equal(expected[id], replica.GetWorkOrder(id)!.TimeEntries.Count);
            }
            Assert.Equal(edits + ids.Length, replica.PendingCount);

            await using var reopened = await DeviceReplica.OpenAsync(path);
            foreach (var id in ids)
            {
                Assert.Equal(expected[id] * 0.5m, reopened.GetWorkOrder(id)!.TotalHours);
                Assert.Equal(replica.Get(WorkOrderFields.Collection, id)!.ToJson(includeTotalsAndFlags: true),
                    reopened.Get(WorkOrderFields.Collection, id)!.ToJson(includeTotalsAndFlags: true));
            }
        }
        finally
        {
            replica.Dispose();
        }
    }

    private static StoredOp Op(long seq) => new("dev-1", seq, "WorkOrder", "WO-1", [1, 2, (byte)seq]);
}
