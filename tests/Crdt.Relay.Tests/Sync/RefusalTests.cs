using Crdt.Core;
using Grpc.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Sync;

/// <summary>Guards bad input: every refusal carries the right status and a message naming the
/// document and field, and nothing of a refused batch is stored.</summary>
public sealed class RefusalTests : RelayTestBase
{
    private RelayClient _dispatcher = null!;
    private readonly Device _board = new("board-1", "dina");

    protected override RelayOptions Configure(RelayOptions o) => new RelayOptions
    {
        DataDirectory = o.DataDirectory, Listen = o.Listen, DurableCommits = false, ConfigureLogging = o.ConfigureLogging,
        MaxOpsPerPush = 50, MaxReceiveMessageBytes = 64 * 1024,
    };

    protected override async Task SetUpAsync()
    {
        _dispatcher = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        await _dispatcher.PushAsync(_board.CreateOrder("wo-1", "tom"));
    }

    private async Task<RpcException> RefusedPush(StatusCode expected, params Wire.Op[] ops)
    {
        var headBefore = await Relay.Host.Store.GetHeadAsync("default");
        var request = new Wire.PushRequest();
        request.Ops.AddRange(ops);
        var error = await Assert.ThrowsAsync<RpcException>(() => _dispatcher.PushAsync(request));
        Assert.Equal(expected, error.StatusCode);
        Assert.Equal(headBefore, await Relay.Host.Store.GetHeadAsync("default"));
        return error;
    }

    private Wire.Op Good() => Wire.CoreMessages.ToMessage(_board.Set(Device.Order("wo-1"), WorkOrderFields.Priority, "high"));

    private static Wire.Op WithSet(Wire.Op op, string field, Wire.FieldValue value)
    {
        var copy = op.Clone();
        copy.Mutations.Clear();
        copy.Mutations.Add(new Wire.Mutation { SetField = new Wire.SetField { Field = field, Value = value } });
        return copy;
    }

    [Fact]
    public async Task An_unknown_field_fails_the_whole_batch_naming_document_and_field()
    {
        var error = await RefusedPush(StatusCode.InvalidArgument, Good(), WithSet(Good(), "colour", new Wire.FieldValue { StringValue = "red" }));

        Assert.Contains("WorkOrder/wo-1", error.Status.Detail);
        Assert.Contains("'colour'", error.Status.Detail);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_is_refused()
    {
        var error = await RefusedPush(StatusCode.InvalidArgument, WithSet(Good(), "priority", new Wire.FieldValue { IntegerValue = 3 }));

        Assert.Contains("'priority'", error.Status.Detail);
        Assert.Contains("wrong type: expected String, got Integer", error.Status.Detail);
    }

    [Fact]
    public async Task A_value_outside_the_allowed_ones_is_refused()
    {
        var error = await RefusedPush(StatusCode.InvalidArgument, WithSet(Good(), "status", new Wire.FieldValue { StringValue = "lost" }));

        Assert.Contains("'status'", error.Status.Detail);
    }

    [Fact]
    public async Task An_unknown_collection_is_refused()
    {
        var op = Good();
        op.Document = new Wire.DocumentKey { Collection = "Spaceship", Id = "s1" };

        var error = await RefusedPush(StatusCode.InvalidArgument, op);

        Assert.Contains("Spaceship", error.Status.Detail);
    }

    [Fact]
    public async Task Creating_a_document_without_its_required_fields_is_refused()
    {
        var replica = new ReplicaId("board-1");
        var op = Wire.CoreMessages.ToMessage(new Op(new Dot(replica, 500), new Hlc(Device.Now, 0, replica), "dina", Device.Order("wo-2"), new VersionVector(),
            [new SetField(WorkOrderFields.Title, "No status")]));

        var error = await RefusedPush(StatusCode.InvalidArgument, op);

        Assert.Contains("WorkOrder/wo-2", error.Status.Detail);
        Assert.Contains("'status'", error.Status.Detail);
    }

    [Fact]
    public async Task A_malformed_op_is_refused_with_a_message_not_a_crash()
    {
        var op = Good();
        op.Dot = null;

        var error = await RefusedPush(StatusCode.InvalidArgument, op);

        Assert.Contains("op #0", error.Status.Detail);
    }

    [Fact]
    public async Task An_op_from_beyond_the_clock_skew_bound_is_refused()
    {
        var op = Good();
        op.Hlc.WallMs = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeMilliseconds();

        var error = await RefusedPush(StatusCode.FailedPrecondition, op);

        Assert.Contains("WorkOrder/wo-1", error.Status.Detail);
        Assert.Contains("ahead", error.Status.Detail);
    }

    [Fact]
    public async Task Reusing_a_dot_with_other_content_is_refused()
    {
        var op = Good();
        await _dispatcher.PushAsync(new Wire.PushRequest { Ops = { op } });

        var error = await RefusedPush(StatusCode.InvalidArgument, WithSet(op, "priority", new Wire.FieldValue { StringValue = "low" }));

        Assert.Contains("different content", error.Status.Detail);
    }

    [Fact]
    public async Task Too_many_ops_in_one_push_or_an_oversized_message_is_resource_exhausted()
    {
        await RefusedPush(StatusCode.ResourceExhausted, Enumerable.Range(0, 51).Select(_ => Good()).ToArray());
        var big = WithSet(Good(), "description", new Wire.FieldValue { StringValue = new string('x', 100_000) });
        await RefusedPush(StatusCode.ResourceExhausted, big);
    }

    [Fact]
    public async Task Work_added_by_an_author_who_saw_the_order_closed_is_refused_but_concurrent_work_becomes_a_flag()
    {
        var technician = await Relay.DeviceAsync("tom", DeviceRoleKind.Technician);
        var truck = new Device("truck-1", "tom");
        var bootstrap = await technician.PullAsync();
        foreach (var item in bootstrap.Where(i => i.Document is not null)) Wire.CoreMessages.MergeSnapshot(truck.Documents, item.Document);
        // The technician adds hours offline while the dispatcher completes the order: concurrent.
        var offlineHours = truck.AddHours("wo-1", "t1", 2.5m);
        await _dispatcher.PushAsync(_board.Set(Device.Order("wo-1"), WorkOrderFields.Status, WorkOrderStatus.Completed));

        var accepted = await technician.PushAsync(offlineHours);
        var completed = await technician.PullAsync(bootstrap[^1].Checkpoint.Cursor);
        truck.Receive(completed.Where(i => i.Op is not null).Select(i => Wire.CoreMessages.ToOp(i.Op)));
        var afterSeeingIt = Wire.CoreMessages.ToMessage(new Op(new Dot(new ReplicaId("truck-1"), 99), new Hlc(Device.Now, 0, new ReplicaId("truck-1")), "tom",
            Device.Order("wo-1"), truck.Documents.VersionOf(Device.Order("wo-1")),
            [new AddElement(WorkOrderFields.TimeEntries, "t2", new Dictionary<string, FieldValue> { ["hours"] = 1m })]));
        var error = await Assert.ThrowsAsync<RpcException>(() => technician.PushAsync(new Wire.PushRequest { Ops = { afterSeeingIt } }));

        Assert.Equal(1u, accepted.Stored);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("timeEntries", error.Status.Detail);
        var flags = await _dispatcher.ListFlagsAsync(new Wire.ListFlagsRequest());
        Assert.Contains(flags.Flags, f => f.Kind == Wire.FlagKind.WorkOnClosedOrder && f.Document.Id == "wo-1");
    }

    [Fact]
    public async Task Calls_without_a_valid_token_are_unauthenticated()
    {
        var anonymous = Relay.Client("not-a-token");

        var error = await Assert.ThrowsAsync<RpcException>(() => anonymous.GetAsync("WorkOrder", "wo-1"));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }
}
