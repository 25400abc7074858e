using Crdt.Core;

namespace Crdt.Core.Tests;

/// <summary>Guards how applications declare collections: built-ins exist as the design brief names them, declarations are checked, and an app collection gets validation, flags and totals.</summary>
public sealed class SchemaTests
{
    [Fact]
    public void The_default_registry_holds_the_built_in_collections()
    {
        var registry = SchemaRegistry.CreateDefault();
        Assert.Equal(new[] { "Asset", "Customer", "Part", "WorkOrder" }, registry.Collections.Select(c => c.Name).Order());
        var order = registry.Get(WorkOrderFields.Collection);
        Assert.True(order.Fields[WorkOrderFields.Description].ReviewOnConflict);
        Assert.Equal(FieldKind.OrSet, order.Fields[WorkOrderFields.Signatures].Kind);
        Assert.Equal(FieldValueKind.Bytes, order.Fields[WorkOrderFields.Signatures].ElementFields[SignatureFields.PublicKey].ValueKind);
        var closed = Assert.Single(order.ClosedStateRules);
        Assert.Equal(new[] { "completed", "cancelled" }, closed.ClosingValues);
        Assert.Throws<KeyNotFoundException>(() => registry.Get("Nope"));
        Assert.Throws<InvalidOperationException>(() => registry.Register(order));
    }

    [Fact]
    public void Declarations_that_name_missing_fields_are_refused()
    {
        Assert.Contains("'state'", Assert.Throws<InvalidOperationException>(() =>
            CollectionSchema.Define("Job").OrSet("work").ClosedState("state", ["done"], ["work"]).Build()).Message);
        Assert.Contains("numeric element field", Assert.Throws<InvalidOperationException>(() =>
            CollectionSchema.Define("Job").OrSet("work", e => e.Field("who", FieldValueKind.String)).Total("hours", "work", "who").Build()).Message);
        Assert.Throws<ArgumentException>(() => CollectionSchema.Define("Job").Lww("a", FieldValueKind.String).Lww("a", FieldValueKind.Integer));
    }

    [Fact]
    public void An_application_collection_gets_validation_flags_and_totals()
    {
        var registry = SchemaRegistry.CreateDefault().Register(CollectionSchema.Define("Inspection")
            .Lww("result", FieldValueKind.String, required: true, reviewOnConflict: true)
            .Lww("stage", FieldValueKind.String, allowedValues: ["draft", "signed"])
            .OrSet("readings", e => e.Field("value", FieldValueKind.Decimal, required: true))
            .ClosedState("stage", ["signed"], ["readings"])
            .Total("readings", "readings", "value")
            .Build());
        var a = new Device("a", registry);
        var b = new Device("b", registry);
        var key = new DocumentKey("Inspection", "i-1");
        a.Create(key, "Ann", Device.At(9), m => m.Set("result", "pass").Set("stage", "draft"));
        Device.Exchange(a, b, Device.At(9, 1));

        a.Edit(key, "Ann", Device.At(10), m => m.Set("result", "fail").Add("readings", "r1", ("value", 4.5m)));
        b.Edit(key, "Bob", Device.At(10, 5), m => m.Set("result", "pass with notes").Set("stage", "signed"));
        Device.Exchange(a, b, Device.At(11));

        Assert.Equal(a.View(key).ToJson(true), b.View(key).ToJson(true));
        Assert.Equal(new[] { FlagKind.WorkOnClosedOrder, FlagKind.ConcurrentEdit }, a.Documents.Flags(key).Select(f => f.Kind).Order());
        Assert.Equal(0m, a.View(key).Totals["readings"]);
        Assert.Contains("unknown field", Assert.Throws<ValidationException>(() => a.Edit(key, "Ann", Device.At(12), m => m.Set("score", 3L))).Reason);
    }
}
