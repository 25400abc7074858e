using Crdt.Core;

namespace Crdt.Core.Tests;

/// <summary>
/// Guards the edit path's shortcuts into a document's state: registers reached by schema slot, the
/// delete list made only when reached, the op log's open run held inline. Each is checked where state
/// made by another path (a merged snapshot) meets a local edit; the byte estimate the validator computes once
/// for the state cap is checked against the one an op applied from elsewhere computes.
/// </summary>
public sealed class EditPathLayoutTests
{
    private static readonly CollectionSchema Memo = CollectionSchema.Define("Memo")
        .Lww("title", FieldValueKind.String).Lww("body", FieldValueKind.String).Build();

    private static readonly DocumentKey Key = new("Memo", "m-1");

    private static DocumentSet NewSet() => new(SchemaRegistry.CreateDefault().Register(Memo));

    [Fact]
    public void A_local_set_after_a_merged_snapshot_writes_the_register_the_snapshot_made()
    {
        var a = NewSet();
        new LocalEditor(new ReplicaId("a"), a).Create(Key, "ann", 1_000, e => e.Set("title", FieldValue.String("from a")).Set("body", FieldValue.String("x")));

        var b = NewSet();
        b.MergeSnapshot(a.EncodeSnapshot(Key));
        var op = new LocalEditor(new ReplicaId("b"), b).Edit(Key, "bob", 2_000, e => e.Set("title", FieldValue.String("from b")));

        Assert.Equal("from b", b.View(Key)["title"]!.AsString());
        Assert.Equal(op.Dot, b.WinningWriteOf(Key, "title"));
        // The snapshot carries the register the edit wrote (one register per field, not a second one beside it).
        var c = NewSet();
        c.MergeSnapshot(b.EncodeSnapshot(Key));
        Assert.Equal("from b", c.View(Key)["title"]!.AsString());
        Assert.Equal("x", c.View(Key)["body"]!.AsString());
    }

    [Fact]
    public void A_document_deleted_in_a_merged_snapshot_refuses_a_local_edit()
    {
        var a = NewSet();
        var editor = new LocalEditor(new ReplicaId("a"), a);
        editor.Create(Key, "ann", 1_000, e => e.Set("title", FieldValue.String("t")));
        editor.Delete(Key, "ann", 2_000);

        var b = NewSet();
        b.MergeSnapshot(a.EncodeSnapshot(Key));
        var refused = Assert.Throws<ValidationException>(() =>
            new LocalEditor(new ReplicaId("b"), b).Edit(Key, "bob", 3_000, e => e.Set("title", FieldValue.String("again"))));
        Assert.Contains("deleted", refused.Message);
    }

    [Fact]
    public void Interleaved_runs_of_two_replicas_survive_a_snapshot_round_trip()
    {
        var a = NewSet();
        var b = NewSet();
        var editorA = new LocalEditor(new ReplicaId("a"), a);
        var editorB = new LocalEditor(new ReplicaId("b"), b);
        editorA.Create(Key, "ann", 1_000, e => e.Set("title", FieldValue.String("t0")));
        var dots = new List<Dot>();
        for (var round = 0; round < 4; round++)
        {
            b.MergeSnapshot(a.EncodeDelta(Key, b.VersionOf(Key)));
            dots.Add(editorB.Edit(Key, "bob", 2_000 + round, e => e.Set("body", FieldValue.String($"b{round}"))).Dot);
            a.MergeSnapshot(b.EncodeDelta(Key, a.VersionOf(Key)));
            dots.Add(editorA.Edit(Key, "ann", 3_000 + round, e => e.Set("title", FieldValue.String($"a{round}"))).Dot);
        }

        var c = NewSet();
        c.MergeSnapshot(a.EncodeSnapshot(Key));
        Assert.All(dots, dot => Assert.True(c.Contains(dot), $"op {dot} lost in the round trip"));
        Assert.Equal(a.VersionOf(Key), c.VersionOf(Key));
        Assert.Equal(1 + dots.Count, c.OpRecordCount(Key));
        Assert.Equal("a3", c.View(Key)["title"]!.AsString());
        Assert.Equal("b3", c.View(Key)["body"]!.AsString());
    }

    [Fact]
    public void A_local_edit_adds_the_same_estimated_bytes_as_the_op_applied_elsewhere()
    {
        var local = NewSet();
        var editor = new LocalEditor(new ReplicaId("a"), local);
        var remote = NewSet();
        // An author with a name: the validator's estimate has none, and the editor must add the author's share.
        var create = editor.Create(Key, "ann the technician", 1_000, e => e.Set("title", FieldValue.String("t")).Set("body", FieldValue.String("b")));
        var edit = editor.Edit(Key, "ann the technician", 2_000, e => e.Set("body", FieldValue.String("longer body text")));
        remote.Apply(create);
        remote.Apply(edit);

        var expected = ValueRules.EstimateAddedBytes(create) + ValueRules.EstimateAddedBytes(edit);
        Assert.Equal(expected, remote.StateOf(Key)!.BytesSinceMeasure);
        Assert.Equal(expected, local.StateOf(Key)!.BytesSinceMeasure);
    }
}
