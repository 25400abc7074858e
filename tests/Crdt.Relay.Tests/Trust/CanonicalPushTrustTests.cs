using Crdt.Core;
using Google.Protobuf;
using Grpc.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Trust;

/// <summary>
/// Since the relay stores a pushed op's bytes as sent when they are the canonical form (issue 11), the
/// attacks of a stolen technician device are sent here as such bytes, the way a real replica pushes
/// (<see cref="Wire.PushRequest.OfEncodedOps"/>): each must be refused with its status and leave the log
/// as it was, or be accepted without changing anything of anyone else's.
/// </summary>
public sealed class CanonicalPushTrustTests : RelayTestBase
{
    private RelayClient _dina = null!;
    private RelayClient _ana = null!;
    private readonly Device _board = new("board-1", "dina");
    private readonly Device _anaPhone = new("ana-phone", "ana");

    protected override async Task SetUpAsync()
    {
        _dina = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        _ana = await Relay.DeviceAsync("ana", DeviceRoleKind.Technician);
        await Relay.DeviceAsync("ben", DeviceRoleKind.Technician);
        var setup = new[]
        {
            _board.CreateCustomer("c-ana"), _board.CreateCustomer("c-ben", "Ben's customer"),
            _board.CreateOrder("wo-ana", "ana", customer: "c-ana"), _board.CreateOrder("wo-ben", "ben", customer: "c-ben"),
        };
        await _dina.PushAsync(setup);
        _anaPhone.Receive(setup);
    }

    private async Task<ulong> Head() => (await _dina.PullAsync())[^1].Checkpoint.Cursor;

    private Task<Wire.PushResponse> PushAsAna(params byte[][] ops) => _ana.PushAsync(Wire.PushRequest.OfEncodedOps(ops));

    /// <summary>The message of <paramref name="op"/> with a field changed past what <see cref="Op"/> lets one build,
    /// written by the generated serializer in the canonical layout (no empty context).</summary>
    private static byte[] Altered(Op op, Action<Wire.Op> change)
    {
        var message = Wire.CoreMessages.ToMessage(op);
        if (message.Context is { Entries.Count: 0 })
        {
            message.Context = null;
        }
        change(message);
        return message.ToByteArray();
    }

    [Fact]
    public async Task The_crafted_bytes_are_the_canonical_form_and_are_stored_as_sent()
    {
        var op = RawOps.Make("ana", Device.Order("wo-ana"), null, new SetField(WorkOrderFields.Description, "canonical"));
        var sent = Altered(op, _ => { });
        Assert.Equal(OpCodec.Encode(op), sent);
        var head = await Head();

        Assert.Equal(1u, (await PushAsAna(sent)).Stored);

        var stored = Assert.Single(await Relay.Host.Store.ReadLogAsync("default", (long)head, 10));
        Assert.Equal(sent, stored.Payload);
    }

    [Fact]
    public async Task Another_persons_name_as_author_is_refused()
    {
        var head = await Head();
        foreach (var author in new[] { "dina", "ben", "ANA" })
        {
            var op = RawOps.Make(author, Device.Order("wo-ana"), null, new SetField(WorkOrderFields.Description, "as " + author));
            await Refused(StatusCode.PermissionDenied, () => PushAsAna(OpCodec.Encode(op)), "field 'author'", "'ana'");
        }
        Assert.Equal(head, await Head());
    }

    [Fact]
    public async Task Documents_outside_the_technicians_scope_are_refused()
    {
        var head = await Head();
        var others = new[]
        {
            RawOps.Make("ana", Device.Order("wo-ben"), null, new SetField(WorkOrderFields.Description, "mine now")),
            RawOps.Make("ana", Device.Customer("c-ben"), null, new SetField(CustomerFields.Name, "renamed")),
            RawOps.Make("ana", Device.Order("wo-ben"), null, new DeleteDocument()),
        };
        foreach (var op in others)
        {
            await Refused(StatusCode.PermissionDenied, () => PushAsAna(OpCodec.Encode(op)), op.Document.Id);
        }
        Assert.Equal(head, await Head());
        Assert.Equal("Ben's customer", (await _dina.GetAsync(CustomerFields.Collection, "c-ben")).Fields[CustomerFields.Name].StringValue);
    }

    [Fact]
    public async Task The_largest_numbers_and_strings_the_types_allow_are_refused_or_harmless()
    {
        var order = Device.Order("wo-ana");
        var head = await Head();
        var plain = RawOps.Make("ana", order, null, new SetField(WorkOrderFields.Description, "x"));

        await Refused(StatusCode.InvalidArgument, () => PushAsAna(Altered(plain, m => m.Hlc.WallMs = long.MaxValue)), "9999");
        await Refused(StatusCode.InvalidArgument, () => PushAsAna(OpCodec.Encode(RawOps.Make("ana", order, null, RawOps.Entry("te-max", decimal.MaxValue)))),
            "timeEntries.hours");
        var longText = new string('a', 200_000);
        await Refused(StatusCode.InvalidArgument, () => PushAsAna(OpCodec.Encode(RawOps.Make("ana", order, null, new SetField(WorkOrderFields.Description, longText)))),
            WorkOrderFields.Description);
        var tooLarge = Altered(plain, m => m.Mutations[0].SetField.Value.StringValue = new string('a', 300_000));
        await Refused(StatusCode.ResourceExhausted, () => PushAsAna(tooLarge), "bytes");
        await Refused(StatusCode.InvalidArgument, () => PushAsAna(Altered(plain, m => m.Document.Id = new string('w', 10_000))), "id");
        await Refused(StatusCode.InvalidArgument, () => PushAsAna(Altered(plain, m => m.Dot.Seq = ulong.MaxValue)), "sequence", "out of range");
        await Refused(StatusCode.InvalidArgument, () => PushAsAna(Altered(plain, m => m.Hlc.Counter = uint.MaxValue)), "hlc counter");
        Assert.Equal(head, await Head());

        // The largest sequence and clock counter the relay takes are a dot and a stamp like any other: stored,
        // and they change only the field they write.
        var extreme = Altered(plain, m =>
        {
            m.Dot.Seq = long.MaxValue;
            m.Hlc.Counter = ushort.MaxValue;
        });
        Assert.Equal(1u, (await PushAsAna(extreme)).Stored);
        var view = await _dina.GetAsync(WorkOrderFields.Collection, "wo-ana");
        Assert.Equal("x", view.Fields[WorkOrderFields.Description].StringValue);
        Assert.Equal("ana", view.Fields[WorkOrderFields.Assignee].StringValue);
        Assert.Equal(WorkOrderStatus.Open, view.Fields[WorkOrderFields.Status].StringValue);
    }

    [Fact]
    public async Task An_invented_context_is_refused_and_a_stale_one_changes_only_what_it_writes()
    {
        var order = Device.Order("wo-ana");
        var head = await Head();
        var invented = _anaPhone.Documents.VersionOf(order);
        invented.Observe(new ReplicaId("made-up"), 7);
        var ahead = _anaPhone.Documents.VersionOf(order);
        ahead.Observe(new ReplicaId("board-1"), 99);
        await Refused(StatusCode.InvalidArgument, () => PushAsAna(OpCodec.Encode(RawOps.Make("ana", order, invented,
            new SetField(WorkOrderFields.Description, "saw it all")))), "field 'context'", "made-up");
        await Refused(StatusCode.InvalidArgument, () => PushAsAna(OpCodec.Encode(RawOps.Make("ana", order, ahead,
            new SetField(WorkOrderFields.Description, "saw the future")))), "field 'context'", "board-1:99");
        Assert.Equal(head, await Head());

        await _dina.PushAsync(_board.Set(order, WorkOrderFields.Priority, "high"));
        var stale = RawOps.Make("ana", order, null, new SetField(WorkOrderFields.Description, "offline all day"));
        Assert.Equal(1u, (await PushAsAna(OpCodec.Encode(stale))).Stored);
        var view = await _dina.GetAsync(WorkOrderFields.Collection, "wo-ana");
        Assert.Equal("offline all day", view.Fields[WorkOrderFields.Description].StringValue);
        Assert.Equal("high", view.Fields[WorkOrderFields.Priority].StringValue);
        Assert.Equal("ana", view.Fields[WorkOrderFields.Assignee].StringValue);
    }
}
