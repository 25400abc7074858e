using Crdt.Core;
using Crdt.Relay.Sync;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Sync;

/// <summary>
/// Guards the one decision of what a technician's stream gets of each op (the op, its document
/// whole, left_scope, or nothing, plus snapshots of the customer and asset an order references):
/// a wrong branch leaves a device without a document it may edit, with one it may no longer see,
/// or with ops applied twice. Pure: no relay, no lock, every branch on its own.
/// </summary>
public sealed class SubscriberRoutingTests
{
    private static readonly DocumentKey Order = new(WorkOrderFields.Collection, "wo-1");
    private static readonly DocumentKey Customer = new("Customer", "c-1");
    private static readonly DocumentKey Asset = new("Asset", "a-1");
    private static readonly DocumentKey Part = new("Part", "p-1");

    private static SubscriberFacts Readable(DocumentKey? customer = null, DocumentKey? asset = null) => new(true, false, customer, asset);

    [Fact]
    public void An_op_on_a_document_the_subscriber_sees_goes_out_as_the_op()
    {
        var route = new SubscriberRouting().Decide(Part, ScopeFields.None, 10, Readable());
        Assert.Equal(RouteKind.Op, route.Kind);
        Assert.Empty(route.Related);
    }

    [Fact]
    public void An_op_already_inside_a_snapshot_sent_is_skipped_and_a_later_one_goes_out()
    {
        var routing = new SubscriberRouting();
        routing.SnapshotSent(Part, 10);
        Assert.Equal(RouteKind.Skip, routing.Decide(Part, ScopeFields.None, 9, Readable()).Kind);
        Assert.Equal(RouteKind.Skip, routing.Decide(Part, ScopeFields.None, 10, Readable()).Kind);
        Assert.Equal(RouteKind.Op, routing.Decide(Part, ScopeFields.None, 11, Readable()).Kind);
    }

    [Fact]
    public void An_op_on_a_document_never_the_subscribers_is_skipped()
    {
        var route = new SubscriberRouting().Decide(Order, ScopeFields.Assignee, 5, new SubscriberFacts(false, false, Customer, Asset));
        Assert.Equal(RouteKind.Skip, route.Kind);
        Assert.Empty(route.Related);
    }

    [Fact]
    public void An_unreadable_order_once_the_subscribers_is_skipped_unless_the_op_reassigns_it()
    {
        var routing = new SubscriberRouting();
        var wasMine = new SubscriberFacts(false, true, Customer, null);
        Assert.Equal(RouteKind.Skip, routing.Decide(Order, ScopeFields.Customer, 5, wasMine).Kind);
        Assert.Equal(RouteKind.Skip, routing.Decide(Order, ScopeFields.None, 6, wasMine).Kind);
    }

    [Fact]
    public void An_order_reassigned_away_is_announced_left_scope_and_a_later_assignment_back_sends_it_whole_again()
    {
        var routing = new SubscriberRouting();
        routing.SnapshotSent(Order, 3);
        var route = routing.Decide(Order, ScopeFields.Assignee, 7, new SubscriberFacts(false, true, Customer, Asset));
        Assert.Equal(RouteKind.LeftScope, route.Kind);
        Assert.Empty(route.Related);
        // Forgotten as sent: an old op of it is no longer covered by a snapshot the device holds.
        Assert.True(routing.NeedsSnapshot(Order));
        Assert.Equal(RouteKind.Op, routing.Decide(Order, ScopeFields.None, 2, Readable()).Kind);
    }

    [Fact]
    public void An_order_newly_assigned_to_the_subscriber_goes_whole_with_its_customer_and_asset()
    {
        var route = new SubscriberRouting().Decide(Order, ScopeFields.Assignee, 8, Readable(Customer, Asset));
        Assert.Equal(RouteKind.Snapshot, route.Kind);
        Assert.Equal([Customer, Asset], route.Related);
    }

    [Fact]
    public void An_assignment_is_sent_whole_even_when_the_order_was_sent_whole_before()
    {
        var routing = new SubscriberRouting();
        routing.SnapshotSent(Order, 20);
        Assert.Equal(RouteKind.Snapshot, routing.Decide(Order, ScopeFields.Assignee, 8, Readable()).Kind);
    }

    [Fact]
    public void A_new_reference_on_an_order_sends_the_referenced_documents_not_yet_sent()
    {
        var routing = new SubscriberRouting();
        routing.SnapshotSent(Customer, 4);
        var route = routing.Decide(Order, ScopeFields.Customer | ScopeFields.Asset, 9, Readable(Customer, Asset));
        Assert.Equal(RouteKind.Op, route.Kind);
        Assert.Equal([Asset], route.Related);
    }

    [Fact]
    public void An_order_with_no_references_sends_none()
    {
        var route = new SubscriberRouting().Decide(Order, ScopeFields.Asset, 9, Readable());
        Assert.Equal(RouteKind.Op, route.Kind);
        Assert.Empty(route.Related);
    }

    [Fact]
    public void An_op_that_moves_no_scope_field_sends_no_referenced_document()
    {
        var route = new SubscriberRouting().Decide(Order, ScopeFields.None, 9, Readable(Customer, Asset));
        Assert.Equal(RouteKind.Op, route.Kind);
        Assert.Empty(route.Related);
    }

    [Fact]
    public void A_reference_change_inside_a_snapshot_sent_is_skipped_but_still_brings_the_references()
    {
        var routing = new SubscriberRouting();
        routing.SnapshotSent(Order, 12);
        var route = routing.Decide(Order, ScopeFields.Customer, 11, Readable(Customer, null));
        Assert.Equal(RouteKind.Skip, route.Kind);
        Assert.Equal([Customer], route.Related);
    }

    [Fact]
    public void The_scope_fields_an_op_sets_are_read_from_its_set_field_mutations_of_work_orders_only()
    {
        static Wire.Op OpOn(string collection, params string[] fields)
        {
            var op = new Wire.Op { Document = new Wire.DocumentKey { Collection = collection, Id = "x" } };
            foreach (var field in fields)
                op.Mutations.Add(new Wire.Mutation { SetField = new Wire.SetField { Field = field, Value = new Wire.FieldValue { StringValue = "v" } } });
            op.Mutations.Add(new Wire.Mutation { DeleteDocument = new Wire.DeleteDocument() });
            return op;
        }
        Assert.Equal(ScopeFields.None, SubscriberRouting.FieldsSetBy(OpOn(WorkOrderFields.Collection, WorkOrderFields.Title)));
        Assert.Equal(ScopeFields.Assignee, SubscriberRouting.FieldsSetBy(OpOn(WorkOrderFields.Collection, WorkOrderFields.Assignee, WorkOrderFields.Status)));
        Assert.Equal(ScopeFields.Customer | ScopeFields.Asset,
            SubscriberRouting.FieldsSetBy(OpOn(WorkOrderFields.Collection, WorkOrderFields.Customer, WorkOrderFields.Asset)));
        Assert.Equal(ScopeFields.None, SubscriberRouting.FieldsSetBy(OpOn("Asset", WorkOrderFields.Assignee)));
    }
}
