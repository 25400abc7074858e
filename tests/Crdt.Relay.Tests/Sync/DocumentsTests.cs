using Crdt.Core;
using Grpc.Core;
using Crdt.Relay.Services;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Sync;

/// <summary>Guards the plain document API: relay-stamped mutations, the expected-version
/// precondition, queries with filters, watching changes, and flags listed and resolved as every
/// replica will see them.</summary>
public sealed class DocumentsTests : RelayTestBase
{
    private RelayClient _dispatcher = null!;

    protected override async Task SetUpAsync()
    {
        _dispatcher = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
    }

    private Task<Wire.MutateResponse> CreateOrder(string id, string assignee, string status = "open", string? customer = null, long? startMs = null)
    {
        var mutations = new List<Wire.Mutation> { Set("title", Text("Job " + id)), Set("status", Text(status)), Set("assignee", Text(assignee)) };
        if (customer is not null) mutations.Add(Set("customer", new Wire.FieldValue { Reference = new Wire.DocumentKey { Collection = "Customer", Id = customer } }));
        if (startMs is { } ms) mutations.Add(Set("scheduledStart", new Wire.FieldValue { TimestampMs = ms }));
        return _dispatcher.MutateAsync("WorkOrder", id, 0, [.. mutations]);
    }

    [Fact]
    public async Task Mutate_stamps_an_op_for_the_caller_that_replicas_receive()
    {
        var created = await CreateOrder("wo-1", "tom");

        var pulled = await _dispatcher.PullAsync();

        Assert.Equal("Job wo-1", created.Document.Fields["title"].StringValue);
        var snapshot = pulled.Single(p => p.Document is not null).Document;
        var replica = new DocumentSet(SchemaRegistry.CreateDefault());
        Wire.CoreMessages.MergeSnapshot(replica, snapshot);
        Assert.Equal("tom", replica.View(Device.Order("wo-1"))[WorkOrderFields.Assignee]!.AsString());
        Assert.Equal(created.Document.Version, snapshot.Version);
        Assert.StartsWith("relay-", created.Dot.Replica);
    }

    [Fact]
    public async Task A_stale_expected_version_is_refused_and_a_current_one_accepted()
    {
        var created = await CreateOrder("wo-1", "tom");
        var second = await _dispatcher.MutateAsync("WorkOrder", "wo-1", created.Document.Version, Set("priority", Text("high")));

        var stale = await Assert.ThrowsAsync<RpcException>(() => _dispatcher.MutateAsync("WorkOrder", "wo-1", created.Document.Version, Set("priority", Text("low"))));

        Assert.True(second.Document.Version > created.Document.Version);
        Assert.Equal(StatusCode.FailedPrecondition, stale.StatusCode);
        Assert.Contains("WorkOrder/wo-1", stale.Status.Detail);
        Assert.Equal("high", (await _dispatcher.GetAsync("WorkOrder", "wo-1")).Fields["priority"].StringValue);
    }

    [Fact]
    public async Task Mutate_refuses_schema_violations_and_resolve_flag_mutations()
    {
        await CreateOrder("wo-1", "tom");

        var badType = await Assert.ThrowsAsync<RpcException>(() => _dispatcher.MutateAsync("WorkOrder", "wo-1", 0, Set("scheduledStart", Text("tomorrow"))));
        var resolve = await Assert.ThrowsAsync<RpcException>(() => _dispatcher.MutateAsync("WorkOrder", "wo-1", 0,
            new Wire.Mutation { ResolveFlag = new Wire.ResolveFlag { FlagId = "f", Resolution = Wire.Resolution.Accept } }));
        var missing = await Assert.ThrowsAsync<RpcException>(() => _dispatcher.GetAsync("WorkOrder", "nope"));

        Assert.Equal(StatusCode.InvalidArgument, badType.StatusCode);
        Assert.Contains("'scheduledStart'", badType.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, resolve.StatusCode);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Query_filters_by_assignee_status_customer_and_scheduled_range()
    {
        var day = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        await CreateOrder("wo-1", "tom", "open", "c1", day + 3_600_000);
        await CreateOrder("wo-2", "tom", "completed", "c1", day + 7_200_000);
        await CreateOrder("wo-3", "ann", "open", "c2", day + 86_400_000 + 1);
        await CreateOrder("wo-4", "tom", "open", null, null);

        async Task<string[]> Ids(Wire.QueryDocumentsRequest request) =>
            (await _dispatcher.QueryAsync(request)).Documents.Select(d => d.Document.Id).ToArray();

        Assert.Equal(["wo-1", "wo-2", "wo-4"], await Ids(new() { Collection = "WorkOrder", Assignee = "tom" }));
        Assert.Equal(["wo-1", "wo-3", "wo-4"], await Ids(new() { Collection = "WorkOrder", Status = "open" }));
        Assert.Equal(["wo-1", "wo-2"], await Ids(new() { Collection = "WorkOrder", CustomerId = "c1" }));
        Assert.Equal(["wo-1", "wo-2"], await Ids(new() { Collection = "WorkOrder", ScheduledFromMs = day, ScheduledToMs = day + 86_400_000 }));
        Assert.Equal(["wo-1"], await Ids(new() { Collection = "WorkOrder", Assignee = "tom", Status = "open", CustomerId = "c1" }));
        var page = await _dispatcher.QueryAsync(new Wire.QueryDocumentsRequest { Collection = "WorkOrder", Limit = 2 });
        Assert.Equal(["wo-1", "wo-2"], page.Documents.Select(d => d.Document.Id));
        Assert.Equal(["wo-3", "wo-4"], await Ids(new() { Collection = "WorkOrder", PageToken = page.NextPageToken }));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Ids(new() { Collection = "Nope" }));
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
    }

    [Fact]
    public async Task Watch_sends_the_current_state_then_each_change()
    {
        await CreateOrder("wo-1", "tom");
        var other = await Relay.DeviceAsync("otto", DeviceRoleKind.Dispatcher);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var watch = _dispatcher.Watch(new Wire.WatchRequest { Collection = "WorkOrder", SendInitial = true }, cancel.Token);
        Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal("open", watch.ResponseStream.Current.Document.Fields["status"].StringValue);

        await other.MutateAsync("WorkOrder", "wo-1", 0, Set("status", Text("in_progress")));

        Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal("in_progress", watch.ResponseStream.Current.Document.Fields["status"].StringValue);
    }

    [Fact]
    public async Task Concurrent_edits_show_a_flag_that_resolving_closes_for_everyone()
    {
        var board = new Device("board-1", "dina");
        var truck = new Device("truck-1", "tom");
        var created = board.CreateOrder("wo-1", "tom");
        truck.Receive([created]);
        await _dispatcher.PushAsync(created);
        // Both rewrite the description without seeing each other: a ConcurrentEdit flag.
        await _dispatcher.PushAsync(board.Set(Device.Order("wo-1"), WorkOrderFields.Description, "Dispatcher's text"));
        var tom = await Relay.DeviceAsync("tom", DeviceRoleKind.Technician);
        await tom.PushAsync(truck.Set(Device.Order("wo-1"), WorkOrderFields.Description, "Technician's text"));

        var open = await _dispatcher.ListFlagsAsync(new Wire.ListFlagsRequest());
        var flag = Assert.Single(open.Flags);
        var resolved = await _dispatcher.ResolveFlagAsync(new Wire.ResolveFlagRequest
        {
            Document = flag.Document, FlagId = flag.Id, Resolution = Wire.Resolution.KeepTheirs,
        });
        var wrong = await Assert.ThrowsAsync<RpcException>(() => _dispatcher.ResolveFlagAsync(new Wire.ResolveFlagRequest
        {
            Document = flag.Document, FlagId = flag.Id, Resolution = Wire.Resolution.Accept,
        }));

        Assert.Equal(Wire.FlagKind.ConcurrentEdit, flag.Kind);
        Assert.Equal("description", flag.Field);
        Assert.Equal(new[] { "Dispatcher's text", "Technician's text" }, new[] { flag.WinnerValue.StringValue, flag.LoserValue.StringValue }.Order());
        Assert.Equal(Wire.Resolution.KeepTheirs, resolved.Flag.Resolution);
        Assert.Equal("dina", resolved.Flag.ResolvedBy);
        Assert.Empty((await _dispatcher.ListFlagsAsync(new Wire.ListFlagsRequest())).Flags);
        Assert.Single((await _dispatcher.ListFlagsAsync(new Wire.ListFlagsRequest { IncludeResolved = true })).Flags);
        Assert.Equal(StatusCode.InvalidArgument, wrong.StatusCode);
    }
}
