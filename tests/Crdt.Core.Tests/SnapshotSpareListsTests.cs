using Crdt.Core.Codec;

namespace Crdt.Core.Tests;

/// <summary>
/// Issue 18, W4: a snapshot merged straight from its bytes is read into the thread's spare lists
/// (<see cref="SnapshotReader.Spare"/>), which the next snapshot on the thread fills again; a document
/// loaded that way must be exactly the document loaded from lists of its own, whatever came before on
/// the thread (larger snapshots, smaller ones, refused ones). Also the read model built from sorted
/// arrays: sets and elements in name order, every declared set shown, removed elements left out.
/// </summary>
public sealed class SnapshotSpareListsTests
{
    private static readonly ReplicaId Origin = new("device-origin");

    /// <summary>Documents of very different sizes: ops of several devices, elements added, edited and removed, a delete.</summary>
    private static (DocumentSet Set, DocumentKey[] Keys) Documents()
    {
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        var keys = Enumerable.Range(0, 6).Select(i => new DocumentKey(WorkOrderFields.Collection, $"wo-{i}")).ToArray();
        var editors = new[] { "device-a", "device-b", "device-c" }.Select(r => new LocalEditor(new ReplicaId(r), documents)).ToArray();
        long wall = 1_767_000_000_000;
        for (var doc = 0; doc < keys.Length; doc++)
        {
            editors[0].Create(keys[doc], "alice", wall++, e => e.Set(WorkOrderFields.Title, FieldValue.String($"order {doc}")).Set(WorkOrderFields.Status, FieldValue.String("open")));
            // Document 3 is large, 0 tiny; the others in between.
            var size = doc == 3 ? 120 : doc * 7;
            for (var i = 0; i < size; i++)
            {
                var editor = editors[i % editors.Length];
                var id = $"te-{(i * 37) % 101}";
                if (i % 5 == 4)
                {
                    editor.Edit(keys[doc], "bob", wall++, e => e.Remove(WorkOrderFields.TimeEntries, $"te-{((i - 4) * 37) % 101}"));
                }
                else if (documents.Get(keys[doc])!.Elements(WorkOrderFields.TimeEntries).Any(el => el.Id == id))
                {
                    editor.Edit(keys[doc], "bob", wall++, e => e.Set(WorkOrderFields.Title, FieldValue.String($"order {doc} v{i}")));
                }
                else
                {
                    editor.Edit(keys[doc], "carol", wall++, e => e.Add(WorkOrderFields.TimeEntries, id,
                        (TimeEntryFields.Hours, FieldValue.Decimal(0.25m * (i % 9 + 1))), (TimeEntryFields.Tech, FieldValue.String($"tech {i}"))));
                }
            }
        }
        editors[1].Delete(keys[5], "bob", wall);
        return (documents, keys);
    }

    [Fact]
    public void Snapshots_read_into_the_spare_lists_read_as_into_their_own_after_larger_smaller_and_refused_ones()
    {
        var (documents, keys) = Documents();
        var snapshots = keys.Select(documents.EncodeSnapshot).ToList();
        // Large, tiny, a refused cut of the large one, then the rest: the spare's lists must hold nothing of the reads before.
        byte[][] order = [snapshots[3], snapshots[0], snapshots[3][..(snapshots[3].Length / 2)], snapshots[1], snapshots[2], snapshots[4], snapshots[5], snapshots[0]];
        SnapshotReader.Spare? previous = null;
        var refused = 0;
        foreach (var bytes in order)
        {
            SnapshotCodec.Parsed reused;
            try
            {
                reused = SnapshotCodec.ReadReusing(bytes);
            }
            catch (OpDecodeException)
            {
                refused++;
                Assert.Throws<OpDecodeException>(() => SnapshotCodec.Read(bytes));
                continue;
            }
            var spare = Assert.IsType<SnapshotReader.Spare>(reused.Borrowed);
            if (previous is not null)
            {
                // The thread's spare is used again (also after a refused read): else nothing is saved.
                Assert.Same(previous, spare);
            }
            previous = spare;
            Assert.Equal(SnapshotWireReaderTests.Dump(SnapshotCodec.Read(bytes)), SnapshotWireReaderTests.Dump(reused));
            Assert.Null(SnapshotCodec.Read(bytes).Borrowed);
            spare.Return();
            // Handed back emptied: the spare keeps no reference to what was merged.
            Assert.Empty(reused.Records);
            Assert.Empty(reused.Fields);
            Assert.Empty(reused.Elements);
        }
        Assert.Equal(1, refused);
    }

    [Fact]
    public void A_set_loaded_from_bytes_is_the_set_loaded_from_prepared_snapshots()
    {
        var (documents, keys) = Documents();
        var snapshots = keys.Select(documents.EncodeSnapshot).ToList();
        var fromBytes = new DocumentSet(SchemaRegistry.CreateDefault());
        foreach (var bytes in snapshots.Concat(snapshots.AsEnumerable().Reverse()))
        {
            fromBytes.MergeSnapshot(bytes);
        }
        // Prepared snapshots keep lists of their own: all prepared first, then merged.
        var prepared = snapshots.Select(bytes => PreparedSnapshot.Prepare(bytes)).ToList();
        var fromPrepared = new DocumentSet(SchemaRegistry.CreateDefault());
        foreach (var snapshot in prepared)
        {
            fromPrepared.MergeSnapshot(snapshot);
        }
        Assert.Equal(Convergence.ScenarioRunner.Fingerprint(fromPrepared), Convergence.ScenarioRunner.Fingerprint(fromBytes));
        foreach (var key in keys)
        {
            Assert.Equal(documents.View(key).ToJson(includeTotalsAndFlags: true), fromBytes.View(key).ToJson(includeTotalsAndFlags: true));
            Assert.Equal(documents.EncodeSnapshot(key), fromBytes.EncodeSnapshot(key));
        }
    }

    [Fact]
    public void A_view_shows_every_declared_set_in_name_order_with_live_elements_sorted_by_id()
    {
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        var editor = new LocalEditor(Origin, documents);
        var key = new DocumentKey(WorkOrderFields.Collection, "wo-view");
        editor.Create(key, "alice", 1_767_000_000_000, e => e.Set(WorkOrderFields.Title, FieldValue.String("pump")).Set(WorkOrderFields.Status, FieldValue.String("open")));
        foreach (var (id, hours) in new[] { ("te-b", 1.5m), ("te-B", 2m), ("te-a", 0.5m), ("te-a2", 4m), ("te-0", 8m) })
        {
            editor.Edit(key, "alice", 1_767_000_000_100, e => e.Add(WorkOrderFields.TimeEntries, id, (TimeEntryFields.Hours, FieldValue.Decimal(hours))));
        }
        editor.Edit(key, "alice", 1_767_000_000_200, e => e.Remove(WorkOrderFields.TimeEntries, "te-a2"));

        var loaded = new DocumentSet(SchemaRegistry.CreateDefault());
        loaded.MergeSnapshot(documents.EncodeSnapshot(key));
        foreach (var view in new[] { documents.View(key), loaded.View(key) })
        {
            var declared = SchemaRegistry.CreateDefault().Get(WorkOrderFields.Collection).Fields.Values
                .Where(f => f.Kind == FieldKind.OrSet).Select(f => f.Name).Order(StringComparer.Ordinal).ToList();
            Assert.True(declared.Count > 1);
            Assert.Equal(declared, view.Sets.Keys.ToList());
            Assert.Equal(["te-0", "te-B", "te-a", "te-b"], view.Elements(WorkOrderFields.TimeEntries).Select(e => e.Id).ToList());
            Assert.Empty(view.Elements(WorkOrderFields.Notes));
            Assert.Equal(12m, view.TotalHours);
            Assert.Equal(view.Fields.Keys.Order(StringComparer.Ordinal).ToList(), view.Fields.Keys.ToList());
            Assert.Equal("pump", view[WorkOrderFields.Title]!.AsString());
        }
    }
}
