using Crdt.Replica.Internal.Storage;

using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.Storage;

/// <summary>Guards the store's transactions: an edit is all of op log, outbox and document, or nothing.</summary>
public sealed class ReplicaStoreTests
{
    private static StoredOp Op(long seq, string doc = "WO-1") => new("dev-1", seq, "WorkOrder", doc, [1, 2, (byte)seq]);

    private static DocumentChange Doc(string doc, string json) =>
        new(new StoredDocument("WorkOrder", doc, [9], json), [new StoredFlag($"f-{doc}", "WorkOrder", doc, "ConcurrentEdit", "Open", "{}")]);

    [Fact]
    public void A_local_edit_lands_in_op_log_outbox_and_documents_together()
    {
        using var dir = new TempDirectory();
        using var store = ReplicaStore.Open(dir.File("r.db"), ReplicaDurability.Full);

        store.CommitLocalEdits([Op(1)], "ana", [Doc("WO-1", "{\"v\":1}")]);

        Assert.Equal(1, store.OpCount());
        Assert.Equal(1, store.PendingCount("ana"));
        Assert.Equal(0, store.PendingCount("ben"));
        Assert.Equal("{\"v\":1}", store.LoadDocument("WorkOrder", "WO-1")!.Json);
        Assert.Equal("f-WO-1", Assert.Single(store.Flags()).FlagId);
        Assert.Equal(1, store.LastLocalSeq("dev-1"));
    }

    [Fact]
    public void A_failing_edit_changes_nothing()
    {
        using var dir = new TempDirectory();
        using var store = ReplicaStore.Open(dir.File("r.db"), ReplicaDurability.Full);
        store.CommitLocalEdits([Op(1)], "ana", [Doc("WO-1", "{\"v\":1}")]);

        // Seq 2 is new, seq 1 is a duplicate dot: the whole transaction must roll back.
        Assert.Throws<ReplicaStorageException>(() =>
            store.CommitLocalEdits([Op(2), Op(1)], "ana", [Doc("WO-1", "{\"v\":2}")]));

        Assert.Equal(1, store.OpCount());
        Assert.Equal(1, store.PendingCount());
        Assert.Equal("{\"v\":1}", store.LoadDocument("WorkOrder", "WO-1")!.Json);
        Assert.Equal(1, store.LastLocalSeq("dev-1"));
    }

    [Fact]
    public void The_pending_count_remembered_between_edits_always_equals_the_outbox_rows()
    {
        using var dir = new TempDirectory();
        var path = dir.File("r.db");
        using (var store = ReplicaStore.Open(path, ReplicaDurability.Full))
        {
            void AssertCount(long expected)
            {
                Assert.Equal(expected, store.PendingCount());
                Assert.Equal(expected, store.OutboxDots().Count);
            }

            AssertCount(0);
            store.CommitLocalEdits([Op(1), Op(2)], "ana", []);
            AssertCount(2);
            Assert.Throws<ReplicaStorageException>(() => store.CommitLocalEdits([Op(3), Op(2)], "ana", []));
            AssertCount(2);
            store.CommitLocalEdits([Op(3)], "ben", []);
            AssertCount(3);
            store.Acknowledge(store.OutboxBatch("ana", 1, long.MaxValue));
            AssertCount(2);
            store.CommitReceived([new StoredOp("other", 1, "WorkOrder", "WO-1", [7])], [], null, null);
            store.CommitLocalEdits([Op(4)], "ana", []);
            AssertCount(3);
        }
        using var reopened = ReplicaStore.Open(path, ReplicaDurability.Full);
        Assert.Equal(3, reopened.PendingCount());
    }

    [Fact]
    public void The_outbox_is_sent_per_person_oldest_first_within_the_byte_budget()
    {
        using var dir = new TempDirectory();
        using var store = ReplicaStore.Open(dir.File("r.db"), ReplicaDurability.Full);
        store.CommitLocalEdits([Op(1), Op(2)], "ana", []);
        store.CommitLocalEdits([Op(3)], "ben", []);
        store.CommitLocalEdits([Op(4)], "ana", []);

        var batch = store.OutboxBatch("ana", maxOps: 10, maxBytes: 6);

        Assert.Equal([1L, 2L], batch.Select(op => op.Seq));
        Assert.Equal([1L, 2L, 4L], store.OutboxBatch("ana", 10, long.MaxValue).Select(op => op.Seq));
        store.Acknowledge(batch);
        Assert.Equal(new Dictionary<string, long> { ["ana"] = 1, ["ben"] = 1 }, store.PendingByUser());
    }

    [Fact]
    public void A_document_that_left_the_scope_is_dropped_only_after_its_pending_edits_synced()
    {
        using var dir = new TempDirectory();
        using var store = ReplicaStore.Open(dir.File("r.db"), ReplicaDurability.Full);
        store.CommitLocalEdits([Op(1, "WO-1")], "ana", [Doc("WO-1", "{}")]);
        store.CommitReceived([new StoredOp("relay", 7, "WorkOrder", "WO-2", [7])], [Doc("WO-2", "{}")], "ana", 42);

        var droppedNow = store.LeaveScope([("WorkOrder", "WO-1"), ("WorkOrder", "WO-2")]);

        Assert.Equal([("WorkOrder", "WO-2")], droppedNow);
        Assert.NotNull(store.LoadDocument("WorkOrder", "WO-1"));
        Assert.Null(store.LoadDocument("WorkOrder", "WO-2"));
        Assert.Equal(42UL, store.GetCursor("ana"));

        var droppedAfterAck = store.Acknowledge(store.OutboxBatch("ana", 10, long.MaxValue));

        Assert.Equal([("WorkOrder", "WO-1")], droppedAfterAck);
        Assert.Empty(store.LoadDocuments());
        Assert.Equal(0, store.OpCount());
        Assert.Empty(store.Flags());
        // Dropping the ops must not let the replica reuse its sequence numbers.
        Assert.Equal(1, store.LastLocalSeq("dev-1"));
    }

    [Fact]
    public void Received_ops_are_deduplicated_by_dot()
    {
        using var dir = new TempDirectory();
        using var store = ReplicaStore.Open(dir.File("r.db"), ReplicaDurability.Full);
        var op = new StoredOp("other", 3, "WorkOrder", "WO-9", [3]);

        store.CommitReceived([op], [], "ana", 1);
        store.CommitReceived([op, op], [], "ana", 2);

        Assert.Equal(1, store.OpCount());
        Assert.True(store.HasOp("other", 3));
        Assert.Equal(0, store.PendingCount());
    }
}
