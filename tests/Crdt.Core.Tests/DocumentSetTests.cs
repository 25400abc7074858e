using Crdt.Core;

namespace Crdt.Core.Tests;

/// <summary>Guards the CRDT rules of DocumentSet directly on hand-made ops: add-wins removal, idempotence, out-of-order delivery, LWW ties and the read model.</summary>
public sealed class DocumentSetTests
{
    private static readonly ReplicaId R1 = new("r1"), R2 = new("r2"), R3 = new("r3");
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-1");

    private static Op MakeOp(ReplicaId replica, long seq, long wall, VersionVector context, params Mutation[] mutations) =>
        new(new Dot(replica, seq), new Hlc(wall, 0, replica), replica.Value, Order, context, mutations);

    private static VersionVector Ctx(params (ReplicaId Replica, long Seq)[] entries) =>
        new(entries.Select(e => new KeyValuePair<ReplicaId, long>(e.Replica, e.Seq)));

    private static readonly Op Create = MakeOp(R1, 1, 100, VersionVector.Empty,
        new SetField(WorkOrderFields.Status, FieldValue.String("open")), new SetField(WorkOrderFields.Title, FieldValue.String("t")));

    private static AddElement Note(string id, string text) => new(WorkOrderFields.Notes, id, new Dictionary<string, FieldValue> { [NoteFields.Text] = FieldValue.String(text) });

    [Fact]
    public void A_remove_deletes_only_the_additions_it_had_seen_so_a_concurrent_add_wins()
    {
        var add1 = MakeOp(R1, 2, 200, VersionVector.Empty, Note("n", "first"));
        var concurrentAdd = MakeOp(R3, 1, 250, Ctx((R1, 1)), Note("n", "again"));
        var remove = MakeOp(R2, 1, 300, Ctx((R1, 2)), new RemoveElement(WorkOrderFields.Notes, "n"));

        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        documents.ApplyAll([Create, add1, remove]);
        Assert.Empty(documents.View(Order).Elements(WorkOrderFields.Notes));

        documents.Apply(concurrentAdd);
        var note = Assert.Single(documents.View(Order).Elements(WorkOrderFields.Notes));
        Assert.Equal("again", note[NoteFields.Text]!.AsString());

        var removeAll = MakeOp(R2, 2, 400, Ctx((R1, 2), (R3, 1)), new RemoveElement(WorkOrderFields.Notes, "n"));
        documents.Apply(removeAll);
        Assert.Empty(documents.View(Order).Elements(WorkOrderFields.Notes));
    }

    [Fact]
    public void Applying_an_op_twice_changes_nothing_and_reports_it()
    {
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        Assert.True(documents.Apply(Create));
        var json = documents.View(Order).ToJson(true);
        Assert.False(documents.Apply(Create));
        Assert.False(documents.Apply(OpCodec.Decode(OpCodec.Encode(Create))));
        Assert.Equal(json, documents.View(Order).ToJson(true));
        Assert.True(documents.Contains(Create.Dot));
        Assert.False(documents.Contains(new Dot(R1, 2)));
    }

    [Fact]
    public void An_element_edit_that_arrives_before_its_add_applies_once_the_add_arrives()
    {
        var add = MakeOp(R1, 2, 200, VersionVector.Empty, new AddElement(WorkOrderFields.Checklist, "c1",
            new Dictionary<string, FieldValue> { [ChecklistFields.Text] = FieldValue.String("Check valve"), [ChecklistFields.Done] = FieldValue.Bool(false) }));
        var tick = MakeOp(R2, 1, 300, Ctx((R1, 2)), new SetElementField(WorkOrderFields.Checklist, "c1", ChecklistFields.Done, FieldValue.Bool(true)));

        var inOrder = new DocumentSet(SchemaRegistry.CreateDefault());
        inOrder.ApplyAll([Create, add, tick]);
        var reversed = new DocumentSet(SchemaRegistry.CreateDefault());
        reversed.ApplyAll([tick, Create]);
        Assert.Empty(reversed.View(Order).Elements(WorkOrderFields.Checklist));
        reversed.Apply(add);

        Assert.True(Assert.Single(reversed.View(Order).Elements(WorkOrderFields.Checklist))[ChecklistFields.Done]!.AsBool());
        Assert.Equal(inOrder.View(Order).ToJson(true), reversed.View(Order).ToJson(true));
    }

    [Fact]
    public void Equal_wall_time_and_counter_is_broken_by_replica_id()
    {
        var fromR1 = MakeOp(R1, 2, 500, VersionVector.Empty, new SetField(WorkOrderFields.Assignee, FieldValue.String("one")));
        var fromR2 = MakeOp(R2, 1, 500, Ctx((R1, 1)), new SetField(WorkOrderFields.Assignee, FieldValue.String("two")));
        foreach (var order in new[] { new[] { Create, fromR1, fromR2 }, [fromR2, fromR1, Create] })
        {
            var documents = new DocumentSet(SchemaRegistry.CreateDefault());
            documents.ApplyAll(order);
            Assert.Equal("two", documents.View(Order)[WorkOrderFields.Assignee]!.AsString());
        }
    }

    [Fact]
    public void Version_of_a_document_covers_its_ops_and_flags_are_empty_for_unknown_documents()
    {
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        documents.Apply(Create);
        documents.Apply(MakeOp(R2, 7, 300, Ctx((R1, 1)), new SetField(WorkOrderFields.Priority, FieldValue.String("high"))));
        Assert.Equal(VersionOrdering.Same, documents.VersionOf(Order).Compare(Ctx((R1, 1), (R2, 7))));
        Assert.Empty(documents.Flags(new DocumentKey("WorkOrder", "other")));
        Assert.Null(documents.Get(new DocumentKey("WorkOrder", "other")));
        Assert.Throws<KeyNotFoundException>(() => documents.View(new DocumentKey("WorkOrder", "other")));
        Assert.Equal([Order], documents.Keys);
    }

    [Fact]
    public void The_read_model_renders_canonical_json_with_totals()
    {
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        documents.Apply(Create);
        documents.Apply(MakeOp(R1, 2, 200, VersionVector.Empty,
            new AddElement(WorkOrderFields.TimeEntries, "b", new Dictionary<string, FieldValue> { [TimeEntryFields.Hours] = FieldValue.Decimal(2.50m) }),
            new AddElement(WorkOrderFields.TimeEntries, "a", new Dictionary<string, FieldValue> { [TimeEntryFields.Hours] = FieldValue.Integer(1), [TimeEntryFields.Note] = FieldValue.String("q\"x") }),
            new SetField(WorkOrderFields.ScheduledStart, FieldValue.TimestampMs(0))));
        var view = documents.View(Order);
        Assert.Equal(3.5m, view.TotalHours);
        Assert.Equal(0m, view.TotalParts);
        Assert.Equal(
            """{"attachments":{},"checklist":{},"fields":{"scheduledStart":"1970-01-01T00:00:00.000Z","status":"open","title":"t"},"notes":{},"partsUsed":{},"signatures":{},"timeEntries":{"a":{"hours":1,"note":"q\"x"},"b":{"hours":2.5}}}""",
            view.ToJson());
        Assert.Contains("\"totals\":{\"hours\":3.5,\"parts\":0}", view.ToJson(includeTotalsAndFlags: true));
    }

    [Fact]
    public void Snapshots_leave_out_stamps_a_write_shares_with_the_previous_one_and_still_round_trip()
    {
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        documents.Apply(Create);
        documents.Apply(MakeOp(R1, 2, 200, VersionVector.Empty,
            new AddElement(WorkOrderFields.TimeEntries, "te",
                new Dictionary<string, FieldValue> { [TimeEntryFields.Hours] = FieldValue.Decimal(1m), [TimeEntryFields.Tech] = FieldValue.String("a"), [TimeEntryFields.Note] = FieldValue.String("n") }),
            new AddElement(WorkOrderFields.Checklist, "c1",
                new Dictionary<string, FieldValue> { [ChecklistFields.Text] = FieldValue.String("valve"), [ChecklistFields.Done] = FieldValue.Bool(true) })));
        var message = documents.ToSnapshotMessage(Order);
        // Every string value, decimal and element id is in the string pool, in the order the reader takes them:
        // the top-level writes, the column elements (id, strings, decimals), then the ElementState messages (id, record strings).
        Assert.Equal(new[] { "open", "t", "te", "n", "a", "1", "c1", "valve" }, SnapshotForms.PoolOf(message));
        // Top-level writes are columns: both made by the create op, so the second's op is 0 and one stamp is written.
        Assert.Empty(message.Fields);
        Assert.Equal(new uint[] { 1, 0 }, message.WriteOps);
        Assert.Single(message.WriteStamps);
        Assert.True(message.WriteIndexes.SequenceEqual(new uint[] { 0, 1 }) && message.WriteKinds.Count == 0);   // all strings: no kind column
        // The time entry (one add, which wrote all its values) is a column element: its shape (set, then each value's name and kind) once, its add and stamp.
        Assert.Equal(new uint[] { 0 }, message.ElementShapeRefs);
        Assert.Equal(new uint[] { 3, 0, 0, 1 }, new[] { message.ElementShapes[1], message.ElementShapes[3], message.ElementShapes[5], message.ElementShapes[7] });
        Assert.Equal(new uint[] { 2 }, message.ElementAdds);
        Assert.Single(message.ElementStamps);
        Assert.Empty(message.ElementIndexes);   // its add is mutation 0
        // The checklist item has a bool, which no column holds: an ElementState whose record columns hold the string,
        // the bool a write whose op is left out (the element's first add) and whose stamp is written.
        var item = Assert.Single(message.Elements);
        Assert.True(item.ElementId == "" && item.RecordStrings.Count == 0 && item.RecordStringNames.Count == 1);
        Assert.Equal(1u, item.RecordIndex);
        var done = Assert.Single(item.Fields);
        Assert.True(done.OpRef == 0 && done.Stamp > 0 && done.Value.BoolValue);
        Assert.True(done.Dot is null && done.Hlc is null);

        var copy = new DocumentSet(SchemaRegistry.CreateDefault());
        copy.MergeSnapshot(documents.EncodeSnapshot(Order));
        Assert.Equal(documents.View(Order).ToJson(true), copy.View(Order).ToJson(true));

        message.WriteOps[0] = 0;
        var error = Assert.Throws<OpDecodeException>(() => new DocumentSet(SchemaRegistry.CreateDefault()).MergeSnapshot(message));
        Assert.Contains("no op and no previous write", error.Message);

        // Record columns of unequal lengths, a shape that is not there, a pool string left over are refused.
        message = documents.ToSnapshotMessage(Order);
        message.Elements[0].RecordStrings.Add(["extra", "more"]);
        error = Assert.Throws<OpDecodeException>(() => new DocumentSet(SchemaRegistry.CreateDefault()).MergeSnapshot(message));
        Assert.Contains("unequal lengths", error.Message);
        message = documents.ToSnapshotMessage(Order);
        message.ElementShapeRefs[0] = 5;
        error = Assert.Throws<OpDecodeException>(() => new DocumentSet(SchemaRegistry.CreateDefault()).MergeSnapshot(message));
        Assert.Contains("names shape 5 of 1", error.Message);
        message = documents.ToSnapshotMessage(Order);
        message.StringLengths.Add(0);
        error = Assert.Throws<OpDecodeException>(() => new DocumentSet(SchemaRegistry.CreateDefault()).MergeSnapshot(message));
        Assert.Contains("1 strings of the string pool are left over", error.Message);
        message = documents.ToSnapshotMessage(Order);
        message.StringLengths[0] += 1;
        error = Assert.Throws<OpDecodeException>(() => new DocumentSet(SchemaRegistry.CreateDefault()).MergeSnapshot(message));
        Assert.Contains("past the", error.Message);
    }

    [Fact]
    public void Snapshots_write_each_name_once_and_stamps_as_offsets_and_refuse_a_name_outside_the_table()
    {
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        documents.Apply(Create);
        documents.Apply(MakeOp(R1, 2, 200, VersionVector.Empty, new AddElement(WorkOrderFields.TimeEntries, "te1",
            new Dictionary<string, FieldValue> { [TimeEntryFields.Hours] = FieldValue.Decimal(1m), [TimeEntryFields.Tech] = FieldValue.String("a") })));
        documents.Apply(MakeOp(R1, 3, 300, VersionVector.Empty, new AddElement(WorkOrderFields.TimeEntries, "te2",
            new Dictionary<string, FieldValue> { [TimeEntryFields.Hours] = FieldValue.Decimal(2m), [TimeEntryFields.Tech] = FieldValue.String("b") })));
        var message = documents.ToSnapshotMessage(Order);
        Assert.Equal(message.Names.Count, message.Names.Distinct().Count());
        Assert.Empty(message.Elements);
        Assert.Equal(new uint[] { 0, 0 }, message.ElementShapeRefs);   // one shape for both time entries
        Assert.Equal(100, message.HlcBaseMs);
        Assert.Contains(message.ElementStamps, stamp => stamp >> (int)message.StampShift == 200 - 100);

        var copy = new DocumentSet(SchemaRegistry.CreateDefault());
        copy.MergeSnapshot(documents.EncodeSnapshot(Order));
        Assert.Equal(documents.View(Order).ToJson(true), copy.View(Order).ToJson(true));
        Assert.Equal(documents.MaxHlcOf(Order), copy.MaxHlcOf(Order));

        message.ElementShapes[2] = ((uint)message.Names.Count + 1) * 2 + 1;   // the first value's name
        var error = Assert.Throws<OpDecodeException>(() => new DocumentSet(SchemaRegistry.CreateDefault()).MergeSnapshot(message));
        Assert.Contains("name table", error.Message);

        // Built-in names are referenced by number in the fixed table; a number past its end is refused.
        message = documents.ToSnapshotMessage(Order);
        Assert.Equal(new[] { "r1" }, message.Names);   // only the author is not a built-in name
        Assert.All(message.WriteNames, code => Assert.True(code % 2 == 0 && code > 0));   // 2n: built-in name n
        message.WriteNames[0] = 1000 * 2;
        error = Assert.Throws<OpDecodeException>(() => new DocumentSet(SchemaRegistry.CreateDefault()).MergeSnapshot(message));
        Assert.Contains("built-in name table", error.Message);
    }

    [Fact]
    public void A_snapshot_naming_one_op_in_two_runs_is_refused_and_changes_nothing()
    {
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        documents.Apply(Create);
        documents.Apply(MakeOp(R1, 2, 200, VersionVector.Empty, new SetField(WorkOrderFields.Title, FieldValue.String("u"))));
        documents.Apply(MakeOp(R2, 1, 300, Ctx((R1, 2)), new SetField(WorkOrderFields.Priority, FieldValue.String("high"))));
        var message = documents.ToSnapshotMessage(Order);
        // A second run of r1 (another context) that repeats seq 2: the runs of r1 now overlap.
        var repeat = message.Runs.First(r => r.ReplicaRef == message.Runs[0].ReplicaRef).Clone();
        repeat.SeqDeltas.Clear();
        repeat.SeqDeltas.Add(2);
        repeat.SeqRice = Google.Protobuf.ByteString.Empty;
        repeat.ContextRefs.Clear();
        repeat.ContextRefs.Add((ulong)message.Replicas.IndexOf("r2") + 1);
        repeat.ContextRefs.Add(1);
        message.Runs.Add(repeat);
        var copy = new DocumentSet(SchemaRegistry.CreateDefault());
        var error = Assert.Throws<OpDecodeException>(() => copy.MergeSnapshot(message));
        Assert.Contains("op r1:2 appears twice", error.Message);
        Assert.False(copy.Exists(Order));
    }

    [Fact]
    public void Two_keep_mine_resolutions_in_one_op_survive_a_snapshot_in_the_same_order()
    {
        // Regression (found by the snapshot property): the mutation index of a resolution orders
        // two promotions made by one op, so snapshots must carry it.
        var r0 = MakeOp(R1, 2, 100, VersionVector.Empty, new SetField(WorkOrderFields.Title, FieldValue.String("beta")));
        var r1 = MakeOp(R2, 1, 300, Ctx((R1, 1)), new SetField(WorkOrderFields.Title, FieldValue.String("delta")));
        var r2 = MakeOp(R3, 1, 200, Ctx((R1, 1)), new SetField(WorkOrderFields.Title, FieldValue.String("epsilon")));
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        documents.ApplyAll([Create, r0, r1, r2]);
        var flags = documents.Flags(Order);
        Assert.Equal(2, flags.Count);
        var resolve = MakeOp(R2, 2, 400, Ctx((R1, 2), (R3, 1)),
            new ResolveFlag(flags.Single(f => f.LoserValue!.AsString() == "beta").Id, Resolution.KeepMine),
            new ResolveFlag(flags.Single(f => f.LoserValue!.AsString() == "epsilon").Id, Resolution.KeepMine));
        documents.Apply(resolve);
        Assert.Equal("epsilon", documents.View(Order)[WorkOrderFields.Title]!.AsString());

        var copy = new DocumentSet(SchemaRegistry.CreateDefault());
        copy.MergeSnapshot(documents.EncodeSnapshot(Order));
        Assert.Equal(documents.View(Order).ToJson(true), copy.View(Order).ToJson(true));
        Assert.Equal(r1.Dot, copy.WinningWriteOf(Order, WorkOrderFields.Title));
        Assert.Empty(copy.DeletesOf(Order));
    }
}
