using Crdt.Core;

namespace Crdt.Core.Tests;

/// <summary>
/// Guards the bounds every value obeys on the device, where an edit is made (the relay applies
/// the same <see cref="ValueRules"/> when it receives ops): per-field limits, strict text, element
/// caps, the document state cap, and totals that cannot overflow.
/// </summary>
public sealed class BoundedValueTests
{
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-1");

    private static Device WithOrder(SchemaRegistry? schemas = null)
    {
        var device = new Device("tablet-1", schemas);
        device.Create(Order, "ana", Device.At(8), m => m.Set(WorkOrderFields.Status, WorkOrderStatus.Open).Set(WorkOrderFields.Title, "Pump"));
        return device;
    }

    private static string Refused(Device device, Action<MutationBuilder> build)
    {
        var sequence = device.Editor.NextSequence;
        var error = Assert.Throws<ValidationException>(() => device.Edit(Order, "ana", Device.At(9), build));
        Assert.Equal(sequence, device.Editor.NextSequence);
        return error.Message;
    }

    [Fact]
    public void Numbers_outside_a_fields_limits_are_refused_when_editing()
    {
        var device = WithOrder();

        Assert.Contains("timeEntries.hours", Refused(device, m => m.Add(WorkOrderFields.TimeEntries, "te-1", (TimeEntryFields.Hours, decimal.MaxValue))));
        Assert.Contains("outside 0 to 1000", Refused(device, m => m.Add(WorkOrderFields.TimeEntries, "te-1", (TimeEntryFields.Hours, 1000.5m))));
        Assert.Contains("partsUsed.qty", Refused(device, m => m.Add(WorkOrderFields.PartsUsed, "pu-1", (PartUsedFields.Qty, -2_000_000m))));
        device.Edit(Order, "ana", Device.At(9), m => m.Add(WorkOrderFields.TimeEntries, "te-1", (TimeEntryFields.Hours, 1000m)));
        Assert.Equal(1000m, device.View(Order).Totals[WorkOrderFields.TotalHours]);
    }

    [Fact]
    public void Text_bytes_and_timestamps_are_bounded_and_text_is_strict()
    {
        var device = WithOrder();

        Assert.Contains("at most 16384", Refused(device, m => m.Set(WorkOrderFields.Description, new string('x', 16 * 1024 + 1))));
        Assert.Contains("invalid UTF-8", Refused(device, m => m.Set(WorkOrderFields.Description, "bad \uFFFD byte")));
        Assert.Contains("lone surrogate", Refused(device, m => m.Set(WorkOrderFields.Description, "half \uDC00")));
        Assert.Contains("at most 196608", Refused(device, m => m.Add(WorkOrderFields.Attachments, "at-1",
            (AttachmentFields.Name, "big.jpg"), (AttachmentFields.Data, FieldValue.Bytes(new byte[192 * 1024 + 1])))));
        Assert.Contains("years 1 to 9999", Refused(device, m => m.Set(WorkOrderFields.ScheduledStart, FieldValue.TimestampMs(ValueRules.MaxTimestampMs + 1))));
        device.Edit(Order, "ana", Device.At(9), m => m.Set(WorkOrderFields.Description, "emoji are fine 🔧"));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(40)]
    public void Strict_text_is_judged_alike_in_short_and_long_values(int padding)
    {
        // Values up to 32 characters take a scalar pass, longer ones the vectorized scans: same verdicts.
        var pad = new string('x', padding);
        Assert.Null(ValueRules.CheckText(pad));
        Assert.Null(ValueRules.CheckText(pad + "\uE000\uF900\uFFFC"));
        Assert.Null(ValueRules.CheckText(pad + "🔧"));
        Assert.Contains("invalid UTF-8", ValueRules.CheckText(pad + "\uFFFD"));
        Assert.Contains("lone surrogate", ValueRules.CheckText(pad + "\uD800"));
        Assert.Contains("lone surrogate", ValueRules.CheckText("\uDFFF" + pad));
    }

    [Fact]
    public void A_set_takes_no_more_elements_than_its_cap()
    {
        var schemas = SchemaRegistry.CreateDefault().Register(CollectionSchema.Define("Visit")
            .Lww("site", FieldValueKind.String, required: true)
            .OrSet("stops", e => e.Field("name", FieldValueKind.String), maxElements: 2)
            .Build());
        var device = new Device("tablet-1", schemas);
        var visit = new DocumentKey("Visit", "v-1");
        device.Create(visit, "ana", Device.At(8), m => m.Set("site", "Depot").Add("stops", "s-1", ("name", "A")));
        device.Edit(visit, "ana", Device.At(8), m => m.Add("stops", "s-2", ("name", "B")).Remove("stops", "s-1"));

        var error = Assert.Throws<ValidationException>(() => device.Edit(visit, "ana", Device.At(9), m => m.Add("stops", "s-3", ("name", "C"))));

        Assert.Contains("at most 2 elements", error.Message);
    }

    [Fact]
    public void A_document_stops_growing_before_its_snapshot_would_outgrow_a_message()
    {
        var device = WithOrder();
        var photo = new byte[180 * 1024];
        ValidationException? full = null;
        var added = 0;
        for (var i = 0; i < 30 && full is null; i++)
        {
            try
            {
                device.Edit(Order, "ana", Device.At(9), m => m.Add(WorkOrderFields.Attachments, $"ph-{i}", (AttachmentFields.Name, "p.jpg"), (AttachmentFields.Data, FieldValue.Bytes(photo))));
                added++;
            }
            catch (ValidationException e)
            {
                full = e;
            }
        }

        Assert.NotNull(full);
        Assert.Contains("encoded state", full!.Message);
        Assert.InRange(device.Documents.EncodeSnapshot(Order).Length, added * photo.Length, ValueRules.MaxDocumentStateBytes);
    }

    [Fact]
    public void Totals_over_values_stored_before_the_bounds_saturate_instead_of_throwing()
    {
        // Ops as an old relay may hold them: applied without validation.
        var documents = new DocumentSet(SchemaRegistry.CreateDefault());
        var replica = new ReplicaId("old-1");
        var create = new Op(new Dot(replica, 1), new Hlc(Device.At(8), 0, replica), "ana", Order, new VersionVector(),
            [new SetField(WorkOrderFields.Title, "Pump"), new SetField(WorkOrderFields.Status, WorkOrderStatus.Open)]);
        documents.Apply(create);
        for (var i = 2; i <= 3; i++)
        {
            documents.Apply(new Op(new Dot(replica, i), new Hlc(Device.At(8) + i, 0, replica), "ana", Order, new VersionVector(),
                [new AddElement(WorkOrderFields.TimeEntries, $"te-{i}", new Dictionary<string, FieldValue> { [TimeEntryFields.Hours] = decimal.MaxValue })]));
        }

        Assert.Equal(decimal.MaxValue, documents.View(Order).Totals[WorkOrderFields.TotalHours]);
    }

    [Fact]
    public void A_schema_whose_total_could_overflow_is_refused_when_declared()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CollectionSchema.Define("Job")
            .OrSet("entries", e => e.Field("amount", FieldValueKind.Decimal, limits: ValueLimits.Default(FieldValueKind.Decimal) with { Max = decimal.MaxValue }))
            .Total("sum", "entries", "amount")
            .Build());

        Assert.Contains("could overflow", error.Message);
    }

    [Fact]
    public void An_ops_envelope_is_bounded()
    {
        var replica = new ReplicaId("r-1");
        Op Make(string author, long wall) => new(new Dot(replica, 1), new Hlc(wall, 0, replica), author, Order, new VersionVector(), [new SetField(WorkOrderFields.Title, "x")]);

        Assert.Contains("author", ValueRules.CheckEnvelope(Make(new string('a', 101), Device.At(8))));
        Assert.Contains("hlc", ValueRules.CheckEnvelope(Make("ana", ValueRules.MaxTimestampMs + 1)));
        Assert.Contains("hlc", ValueRules.CheckEnvelope(Make("ana", -5)));
        Assert.Null(ValueRules.CheckEnvelope(Make("ana", Device.At(8))));
    }
}
