using Crdt.Core;
using Grpc.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Trust;

/// <summary>
/// The holes of issue 10, each as an attacker holding one valid technician token (ana) would try
/// it against a real relay: each attempt is refused with the right status, names what is wrong,
/// and leaves nothing of itself behind.
/// </summary>
public sealed class TrustHoleTests : RelayTestBase
{
    private RelayClient _dina = null!;
    private RelayClient _ana = null!;
    private RelayClient _ben = null!;
    private readonly Device _board = new("board-1", "dina");
    private readonly Device _anaPhone = new("ana-phone", "ana");
    private Op _createWoAna = null!;

    protected override async Task SetUpAsync()
    {
        _dina = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        _ana = await Relay.DeviceAsync("ana", DeviceRoleKind.Technician);
        _ben = await Relay.DeviceAsync("ben", DeviceRoleKind.Technician);
        var setup = new[]
        {
            _board.CreateCustomer("c-ana"), _board.CreateCustomer("c-ben", "Ben's customer"), _board.CreatePart("p-1"),
            _createWoAna = _board.CreateOrder("wo-ana", "ana", customer: "c-ana"),
            _board.CreateOrder("wo-ben", "ben", customer: "c-ben"),
        };
        await _dina.PushAsync(setup);
        _anaPhone.Receive(setup);
    }

    private async Task<ulong> Head() => (await _dina.PullAsync())[^1].Checkpoint.Cursor;

    [Fact]
    public async Task Hole1_an_op_authored_in_another_name_is_refused_naming_the_author_field()
    {
        var head = await Head();
        var spoofers = new[] { "dina", "ben", "Ana", "ana " };
        foreach (var author in spoofers)
        {
            var op = RawOps.Make(author, Device.Order("wo-ana"), _anaPhone.Documents.VersionOf(Device.Order("wo-ana")),
                new SetField(WorkOrderFields.Description, "written as " + author));
            await Refused(StatusCode.PermissionDenied, () => _ana.PushAsync(op), "field 'author'", "'ana'");
        }
        var resolveAsDispatch = RawOps.Make("dina", Device.Order("wo-ana"), null, new ResolveFlag("ce-0123456789abcdef", Resolution.KeepMine));
        await Refused(StatusCode.PermissionDenied, () => _ana.PushAsync(resolveAsDispatch), "field 'author'");

        Assert.Equal(head, await Head());
        var own = await _ana.PushAsync(_anaPhone.Set(Device.Order("wo-ana"), WorkOrderFields.Description, "mine"));
        Assert.Equal(1u, own.Stored);
        // No author (an edit made before anyone signed in on the device) is the caller's, never anonymous.
        var unsigned = RawOps.Make("", Device.Order("wo-ana"), null, new SetField(WorkOrderFields.Description, "before sign-in"));
        await _ana.PushAsync(unsigned);
        var stored = (await _dina.PullAsync(head)).Where(p => p.Op is not null).Select(p => p.Op.Author).ToList();
        Assert.Equal(new[] { "ana", "ana" }, stored);
    }

    [Fact]
    public async Task Hole2_a_context_naming_ops_the_relay_does_not_hold_is_refused()
    {
        var head = await Head();
        var invented = _anaPhone.Documents.VersionOf(Device.Order("wo-ana"));
        for (var i = 0; i < 5000; i++) invented.Observe(new ReplicaId($"made-up-{i}"), 1000 + i);
        var forged = RawOps.Make("ana", Device.Order("wo-ana"), invented, new SetField(WorkOrderFields.Description, "I saw it all"));
        // A real replica, but further than the relay has heard of it.
        var ahead = _anaPhone.Documents.VersionOf(Device.Order("wo-ana"));
        ahead.Observe(new ReplicaId("board-1"), 99);
        var beyond = RawOps.Make("ana", Device.Order("wo-ana"), ahead, new SetField(WorkOrderFields.Description, "seen the future"));

        await Refused(StatusCode.InvalidArgument, () => _ana.PushAsync(forged), "field 'context'", "made-up-");
        await Refused(StatusCode.InvalidArgument, () => _ana.PushAsync(beyond), "field 'context'", "board-1:99");

        Assert.Equal(head, await Head());
        // An empty (stale) context cannot be disproven: it is accepted.
        var stale = RawOps.Make("ana", Device.Order("wo-ana"), null, new SetField(WorkOrderFields.Description, "offline all day"));
        Assert.Equal(1u, (await _ana.PushAsync(stale)).Stored);
    }

    [Fact]
    public async Task Hole3_a_technician_cannot_accept_its_own_held_back_hours()
    {
        var order = Device.Order("wo-ana");
        // ana logs 40 hours while (unknown to her) dispatch completes the order: a WorkOnClosedOrder flag.
        await _dina.PushAsync(_board.Set(order, WorkOrderFields.Status, WorkOrderStatus.Completed));
        await _ana.PushAsync(_anaPhone.AddHours("wo-ana", "te-1", 40m));
        var flag = Assert.Single((await _ana.ListFlagsAsync()).Flags);
        Assert.Equal(Wire.FlagKind.WorkOnClosedOrder, flag.Kind);
        var head = await Head();

        await Refused(StatusCode.PermissionDenied, () => _ana.ResolveFlagAsync(flag.Document, flag.Id, Wire.Resolution.Accept), "WorkOnClosedOrder", flag.Id);
        var pushed = RawOps.Make("ana", order, _anaPhone.Documents.VersionOf(order), new ResolveFlag(flag.Id, Resolution.Accept));
        await Refused(StatusCode.PermissionDenied, () => _ana.PushAsync(pushed), "WorkOnClosedOrder");

        Assert.Equal(head, await Head());
        Assert.Equal("0", (await _dina.GetAsync("WorkOrder", "wo-ana")).Totals["hours"]);
        var accepted = await _dina.ResolveFlagAsync(flag.Document, flag.Id, Wire.Resolution.Accept);
        Assert.Equal("40", accepted.Document.Totals["hours"]);
    }

    [Fact]
    public async Task Hole4_pins_are_limited_read_only_and_tell_nothing_of_what_exists()
    {
        var unrelated = await Refused(StatusCode.PermissionDenied, () => _ana.PinAsync("Customer", "c-ben"), "Customer/c-ben");
        var missing = await Refused(StatusCode.PermissionDenied, () => _ana.PinAsync("Customer", "c-nobody"), "Customer/c-nobody");
        Assert.Equal(unrelated.Status.Detail.Replace("c-ben", "ID"), missing.Status.Detail.Replace("c-nobody", "ID"));
        await Refused(StatusCode.PermissionDenied, () => _ana.MutateAsync("Customer", "c-ben", 0, Set("phone", Text("555-0100"))), "Customer/c-ben");

        // A document of her own order may be pinned; one the office shares becomes readable, never writable.
        Assert.Single((await _ana.PinAsync("Customer", "c-ana")).Pinned);
        await _dina.PinAsync("Customer", "c-ben", forDevice: "ana");
        Assert.Equal("Ben's customer", (await _ana.GetAsync("Customer", "c-ben")).Fields["name"].StringValue);
        await Refused(StatusCode.PermissionDenied, () => _ana.MutateAsync("Customer", "c-ben", 0, Set("phone", Text("555-0100"))), "read-only");
        var sneaky = RawOps.Make("ana", Device.Customer("c-ben"), null, new SetField(CustomerFields.Phone, "555-0100"));
        await Refused(StatusCode.PermissionDenied, () => _ana.PushAsync(sneaky), "Customer/c-ben");
        Assert.False((await _dina.GetAsync("Customer", "c-ben")).Fields.ContainsKey("phone"));
        // Sharing is the office's: a technician cannot pin for someone else.
        await Refused(StatusCode.PermissionDenied, () => _ana.PinAsync("Customer", "c-ana", forDevice: "ben"), "for_device");
    }

    [Fact]
    public async Task Hole4_referencing_another_technicians_customer_does_not_bring_it_into_scope()
    {
        var head = await Head();
        await Refused(StatusCode.PermissionDenied, () => _ana.MutateAsync("WorkOrder", "wo-ana", 0,
            Set("customer", new Wire.FieldValue { Reference = new Wire.DocumentKey { Collection = "Customer", Id = "c-ben" } })), "field 'customer'", "Customer/c-ben");
        var pushed = _anaPhone.Set(Device.Order("wo-ana"), WorkOrderFields.Customer, Device.Customer("c-ben"));
        await Refused(StatusCode.PermissionDenied, () => _ana.PushAsync(pushed), "field 'customer'");

        Assert.Equal(head, await Head());
        await Refused(StatusCode.PermissionDenied, () => _ana.GetAsync("Customer", "c-ben"), "Customer/c-ben");
        // A customer she records on site herself, in the same batch, is hers to link.
        var found = _anaPhone.CreateCustomer("c-new", "Found on site");
        Assert.Equal(2u, (await _ana.PushAsync(found, _anaPhone.Set(Device.Order("wo-ana"), WorkOrderFields.Customer, Device.Customer("c-new")))).Stored);
    }

    [Fact]
    public async Task Hole5_a_reassigned_order_cannot_be_taken_back()
    {
        var order = Device.Order("wo-ana");
        // Made offline before ana heard of the reassignment: still accepted later.
        var offlineNote = _anaPhone.Set(order, WorkOrderFields.Description, "done the wiring");
        var reassigned = await _dina.MutateAsync("WorkOrder", "wo-ana", 0, Set("assignee", Text("ben")));
        await _ben.MutateAsync("WorkOrder", "wo-ana", 0, Set("description", Text("ben's private notes")));

        await Refused(StatusCode.PermissionDenied, () => _ana.MutateAsync("WorkOrder", "wo-ana", 0, Set("assignee", Text("ana"))), "WorkOrder/wo-ana");
        Assert.Equal(1u, (await _ana.PushAsync(offlineNote)).Stored);
        var takeBack = _anaPhone.Set(order, WorkOrderFields.Assignee, "ana");
        await Refused(StatusCode.PermissionDenied, () => _ana.PushAsync(takeBack), "field 'assignee'");
        // Having seen the reassignment, she cannot write to the order any more.
        var sawIt = _anaPhone.Documents.VersionOf(order);
        sawIt.Observe(new ReplicaId(reassigned.Dot.Replica), (long)reassigned.Dot.Seq);
        var seen = RawOps.Make("ana", order, sawIt, new SetField(WorkOrderFields.Description, "still mine"));
        await Refused(StatusCode.PermissionDenied, () => _ana.PushAsync(seen), "reassigned");

        await Refused(StatusCode.PermissionDenied, () => _ana.GetAsync("WorkOrder", "wo-ana"), "WorkOrder/wo-ana");
        var bens = await _ben.GetAsync("WorkOrder", "wo-ana");
        Assert.Equal("ben", bens.Fields["assignee"].StringValue);
    }

    [Fact]
    public async Task Hole6_technicians_read_the_catalogue_but_never_change_or_delete_it()
    {
        var head = await Head();
        var part = Device.Part("p-1");
        await Refused(StatusCode.PermissionDenied, () => _ana.MutateAsync("Part", "p-1", 0,
            Set("unitPrice", new Wire.FieldValue { DecimalValue = "0.01" })), "field 'unitPrice'");
        await Refused(StatusCode.PermissionDenied, () => _ana.PushAsync(_anaPhone.Editor.Delete(part, "ana", Device.Now)), "delete", "Part");
        await Refused(StatusCode.PermissionDenied, () => _ana.PushAsync(_anaPhone.CreatePart("p-fake")), "create", "Part");

        Assert.Equal(head, await Head());
        var view = await _ana.GetAsync("Part", "p-1");
        Assert.False(view.Deleted);
        Assert.False(view.Fields.ContainsKey("unitPrice"));
    }

    [Fact]
    public async Task Hole7_a_number_that_would_overflow_a_total_is_refused_and_the_office_keeps_reading()
    {
        var order = Device.Order("wo-ana");
        var huge = decimal.MaxValue;
        var first = RawOps.Make("ana", order, null, RawOps.Entry("te-1", huge));
        var second = RawOps.Make("ana", order, null, RawOps.Entry("te-2", huge));
        await Refused(StatusCode.InvalidArgument, () => _ana.PushAsync(first, second), "field 'timeEntries.hours'", "outside 0 to 1000");
        var entry = new Wire.Mutation
        {
            AddElement = new Wire.AddElement { Field = "timeEntries", ElementId = "te-3" },
        };
        entry.AddElement.Values.Add(new Wire.ElementFieldValue { Field = "hours", Value = new Wire.FieldValue { DecimalValue = huge.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        await Refused(StatusCode.InvalidArgument, () => _ana.MutateAsync("WorkOrder", "wo-ana", 0, entry), "timeEntries.hours");

        var query = await _dina.QueryAsync("WorkOrder");
        Assert.Equal(2, query.Documents.Count);
        Assert.All(query.Documents, d => Assert.Equal("0", d.Totals["hours"]));
    }

    [Fact]
    public async Task Hole8_a_document_cannot_grow_past_what_one_message_carries_and_new_devices_still_bootstrap()
    {
        var order = Device.Order("wo-ana");
        // A single note over the text limit is refused outright.
        var longNote = RawOps.Make("ana", order, null, new AddElement(WorkOrderFields.Notes, "n-big",
            new Dictionary<string, FieldValue> { [NoteFields.Text] = new string('x', 255 * 1024) }));
        await Refused(StatusCode.InvalidArgument, () => _ana.PushAsync(longNote), "field 'notes.text'", "at most 16384");

        // Photos within the per-value limit, each in its own accepted batch, until the document is full.
        var photo = new byte[180 * 1024];
        RpcException? full = null;
        var accepted = 0;
        for (var i = 0; i < 30 && full is null; i++)
        {
            var op = RawOps.Make("ana", order, null, new AddElement(WorkOrderFields.Attachments, $"ph-{i}",
                new Dictionary<string, FieldValue> { [AttachmentFields.Name] = $"photo {i}.jpg", [AttachmentFields.Data] = FieldValue.Bytes(photo) }));
            try
            {
                await _ana.PushAsync(op);
                accepted++;
            }
            catch (RpcException e)
            {
                full = e;
            }
        }

        Assert.NotNull(full);
        Assert.Equal(StatusCode.FailedPrecondition, full!.StatusCode);
        Assert.Contains("encoded state", full.Status.Detail);
        Assert.InRange(accepted, 5, 12);
        // A new device bootstraps: the order's snapshot fits in a message.
        var newcomer = await Relay.DeviceAsync("dora", DeviceRoleKind.Dispatcher);
        var pulled = await newcomer.PullAsync();
        var snapshot = Assert.Single(pulled, p => p.Document is { Collection: "WorkOrder", Id: "wo-ana" });
        Assert.InRange(snapshot.CalculateSize(), accepted * photo.Length, Crdt.Core.ValueRules.MaxDocumentStateBytes);
    }
}
