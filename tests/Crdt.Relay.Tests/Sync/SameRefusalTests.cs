using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Grpc.Core;

namespace Crdt.Relay.Tests.Sync;

/// <summary>
/// Guards the one schema validator (Core's SchemaCheck): for the same bad edit the device's
/// ValidationException and the relay's refusal name the same field with the same reason, word for
/// word; only the place differs ("WorkOrder/wo-1: " on the device, "op #0 (…) on WorkOrder/wo-1, "
/// on the relay, which names the op in its batch).
/// </summary>
public sealed class SameRefusalTests : IAsyncLifetime
{
    private static readonly DocumentKey Order = Device.Order("wo-1");
    private TestRelay _relay = null!;
    private RelayClient _dispatcher = null!;
    private readonly Device _board = new("board-1", "dina");

    public async Task InitializeAsync()
    {
        _relay = await TestRelay.StartAsync();
        _dispatcher = await _relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        await _dispatcher.PushAsync(_board.CreateOrder("wo-1", "tom"));
    }

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    public static TheoryData<string, EditRule> BadEdits() => new()
    {
        { "a decimal priority", EditRule.ValueType },
        { "a priority not allowed", EditRule.AllowedValues },
        { "an unknown field", EditRule.UnknownField },
        { "a cleared title", EditRule.RequiredField },
        { "a set written as a register", EditRule.FieldKind },
        { "an unknown element field", EditRule.UnknownElementField },
        { "hours as text", EditRule.ValueType },
    };

    private static Mutation BadEdit(string name) => name switch
    {
        "a decimal priority" => new SetField(WorkOrderFields.Priority, FieldValue.Decimal(2m)),
        "a priority not allowed" => new SetField(WorkOrderFields.Priority, "asap"),
        "an unknown field" => new SetField("colour", "red"),
        "a cleared title" => new SetField(WorkOrderFields.Title, FieldValue.Null),
        "a set written as a register" => new SetField(WorkOrderFields.TimeEntries, "two hours"),
        "an unknown element field" => new AddElement(WorkOrderFields.TimeEntries, "te-1",
            new Dictionary<string, FieldValue> { [TimeEntryFields.Hours] = FieldValue.Decimal(1m), ["colour"] = "red" }),
        "hours as text" => new AddElement(WorkOrderFields.TimeEntries, "te-1",
            new Dictionary<string, FieldValue> { [TimeEntryFields.Hours] = "two" }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(BadEdits))]
    public async Task Device_and_relay_refuse_a_bad_edit_with_the_same_words(string name, EditRule rule)
    {
        Mutation[] mutations = [BadEdit(name)];

        // The device: the validator its editor runs before stamping an edit.
        var onDevice = Assert.Throws<ValidationException>(() => EditValidator.Validate(_board.Documents, Order, mutations, create: false));
        Assert.Equal(rule, onDevice.Rule);
        Assert.Equal($"{Order}: field '{onDevice.Field}': {onDevice.Reason}", onDevice.Message);

        // The relay: the same edit as an op a device could have sent without checking it.
        var replica = new ReplicaId("board-1");
        var op = new Op(new Dot(replica, 100), new Hlc(Device.Now, 0, replica), "dina", Order, _board.Documents.VersionOf(Order), mutations);
        var onRelay = await Assert.ThrowsAsync<RpcException>(() => _dispatcher.PushAsync(op));

        Assert.Equal(StatusCode.InvalidArgument, onRelay.StatusCode);
        Assert.Equal($"op #0 ({op.Dot}) on {Order}, field '{onDevice.Field}': {onDevice.Reason}", onRelay.Status.Detail);
    }
}
