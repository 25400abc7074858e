using Crdt.Core;

namespace Crdt.Core.Tests;

/// <summary>
/// Guards the concrete promises of compaction (issue 16) that the property test states in general:
/// stable history really goes away, an op the base covers cannot come back through a re-sent op or an
/// old snapshot, a compacted base survives its snapshot, and what an open flag needs stays.
/// </summary>
public sealed class CompactionTests
{
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-1");

    private static (Device Tom, Device Ann) TwoDevices() => (new Device("tom"), new Device("ann"));

    [Fact]
    public void Overwritten_writes_and_removed_entries_leave_the_op_records_and_the_view_stays_the_same()
    {
        var (tom, _) = TwoDevices();
        tom.Create(Order, "Tom", Device.At(8), m => m.Set(WorkOrderFields.Title, "Pump").Set(WorkOrderFields.Status, WorkOrderStatus.Open));
        for (var i = 0; i < 20; i++)
        {
            tom.Edit(Order, "Tom", Device.At(9, i), m => m.Set(WorkOrderFields.Priority, i % 2 == 0 ? "high" : "low"));
            tom.Edit(Order, "Tom", Device.At(10, i), m => m.Add(WorkOrderFields.TimeEntries, $"e{i}", (TimeEntryFields.Hours, 1m)));
            tom.Edit(Order, "Tom", Device.At(11, i), m => m.Remove(WorkOrderFields.TimeEntries, $"e{i}"));
        }
        var before = tom.View(Order).ToJson(true);

        var summary = tom.Documents.Compact(tom.Documents.Maxima());

        // Left: the create, the last priority write, and each removed entry's add, whose field values a later
        // add of the same id would show again (so they stay, one record per removed entry; see README).
        Assert.Equal((61, 22), (summary.RecordsBefore, summary.RecordsAfter));
        Assert.Equal(before, tom.View(Order).ToJson(true));
        var reloaded = new DocumentSet(SchemaRegistry.CreateDefault());
        reloaded.MergeSnapshot(tom.Documents.EncodeSnapshot(Order));
        Assert.Equal(before, reloaded.View(Order).ToJson(true));
        Assert.Equal(22, reloaded.OpRecordCount(Order));
    }

    [Fact]
    public void An_op_the_base_covers_is_ignored_when_it_arrives_again_even_after_a_reload_from_the_snapshot()
    {
        var (tom, ann) = TwoDevices();
        var create = tom.Create(Order, "Tom", Device.At(8), m => m.Set(WorkOrderFields.Title, "Pump").Set(WorkOrderFields.Status, WorkOrderStatus.Open));
        var add = tom.Edit(Order, "Tom", Device.At(9), m => m.Add(WorkOrderFields.TimeEntries, "e1", (TimeEntryFields.Hours, 2m)));
        var remove = tom.Edit(Order, "Tom", Device.At(10), m => m.Remove(WorkOrderFields.TimeEntries, "e1"));
        ann.ReceiveFrom(tom, Device.At(11));
        ann.Documents.Compact(ann.Documents.Maxima());

        var reloaded = new DocumentSet(SchemaRegistry.CreateDefault());
        reloaded.MergeSnapshot(ann.Documents.EncodeSnapshot(Order));

        // The add was dropped with its removal: re-sent alone it must not bring the entry back.
        Assert.False(reloaded.Apply(add));
        Assert.False(ann.Documents.Apply(add));
        Assert.False(reloaded.Apply(create));
        Assert.Empty(reloaded.View(Order).Elements(WorkOrderFields.TimeEntries));
        Assert.Equal(tom.View(Order).ToJson(true), reloaded.View(Order).ToJson(true));
        Assert.Equal(tom.Documents.VersionOf(Order), reloaded.VersionOf(Order));
        _ = remove;
    }

    [Fact]
    public void An_old_uncompacted_snapshot_merged_into_a_compacted_document_brings_nothing_back()
    {
        var (tom, ann) = TwoDevices();
        tom.Create(Order, "Tom", Device.At(8), m => m.Set(WorkOrderFields.Title, "Pump").Set(WorkOrderFields.Status, WorkOrderStatus.Open));
        tom.Edit(Order, "Tom", Device.At(9), m => m.Add(WorkOrderFields.TimeEntries, "e1", (TimeEntryFields.Hours, 2m)));
        var old = tom.Documents.EncodeSnapshot(Order);
        tom.Edit(Order, "Tom", Device.At(10), m => m.Remove(WorkOrderFields.TimeEntries, "e1"));
        ann.ReceiveFrom(tom, Device.At(11));
        ann.Documents.Compact(ann.Documents.Maxima());

        ann.Documents.MergeSnapshot(old);

        Assert.Empty(ann.View(Order).Elements(WorkOrderFields.TimeEntries));
        Assert.Equal(tom.View(Order).ToJson(true), ann.View(Order).ToJson(true));
    }

    [Fact]
    public void A_compacted_snapshot_merged_into_an_uncompacted_replica_replaces_what_its_base_covers()
    {
        var (tom, ann) = TwoDevices();
        tom.Create(Order, "Tom", Device.At(8), m => m.Set(WorkOrderFields.Title, "Pump").Set(WorkOrderFields.Status, WorkOrderStatus.Open));
        tom.Edit(Order, "Tom", Device.At(9), m => m.Add(WorkOrderFields.TimeEntries, "e1", (TimeEntryFields.Hours, 2m)));
        ann.ReceiveFrom(tom, Device.At(9, 30));
        tom.Edit(Order, "Tom", Device.At(10), m => m.Remove(WorkOrderFields.TimeEntries, "e1"));
        tom.Documents.Compact(tom.Documents.Maxima());

        // Ann holds the add but not its removal; the compacted snapshot holds neither, and its base says why.
        ann.Documents.MergeSnapshot(tom.Documents.EncodeSnapshot(Order));

        Assert.Empty(ann.View(Order).Elements(WorkOrderFields.TimeEntries));
        Assert.Equal(tom.View(Order).ToJson(true), ann.View(Order).ToJson(true));
        Assert.Equal(tom.Documents.CompactedBaseOf(Order), ann.Documents.CompactedBaseOf(Order));
    }

    [Fact]
    public void An_open_concurrent_edit_flag_keeps_both_sides_through_compaction_and_a_snapshot()
    {
        var (tom, ann) = TwoDevices();
        tom.Create(Order, "Tom", Device.At(8), m => m.Set(WorkOrderFields.Title, "Pump").Set(WorkOrderFields.Status, WorkOrderStatus.Open).Set(WorkOrderFields.Description, "start"));
        ann.ReceiveFrom(tom, Device.At(8, 1));
        tom.Edit(Order, "Tom", Device.At(9), m => m.Set(WorkOrderFields.Description, "tom's words"));
        ann.Edit(Order, "Ann", Device.At(9, 5), m => m.Set(WorkOrderFields.Description, "ann's words"));
        Device.Exchange(tom, ann, Device.At(10));
        var flags = tom.Documents.Flags(Order);
        Assert.Single(flags);

        tom.Documents.Compact(tom.Documents.Maxima());
        var reloaded = new DocumentSet(SchemaRegistry.CreateDefault());
        reloaded.MergeSnapshot(tom.Documents.EncodeSnapshot(Order));

        var after = Assert.Single(reloaded.Flags(Order));
        Assert.Equal((flags[0].Id, flags[0].WinnerValue, flags[0].LoserValue), (after.Id, after.WinnerValue, after.LoserValue));
        Assert.Equal(FlagState.Open, after.State);
    }
}
