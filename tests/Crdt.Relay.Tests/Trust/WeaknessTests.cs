using System.Text;
using Crdt.Core;
using Grpc.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Trust;

/// <summary>The weaknesses of issue 10 on the relay side: each bad input is answered with a clear
/// INVALID_ARGUMENT or PERMISSION_DENIED (never UNKNOWN), and nothing of it is stored.</summary>
public sealed class WeaknessTests : RelayTestBase
{
    private RelayClient _dina = null!;
    private readonly Device _board = new("board-1", "dina");

    protected override async Task SetUpAsync()
    {
        _dina = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        await _dina.PushAsync(_board.CreateOrder("wo-1", "tom"));
    }

    private async Task<ulong> Head() => (await _dina.PullAsync())[^1].Checkpoint.Cursor;

    [Theory]
    [InlineData(253_402_300_800_000L)] // 10000-01-01
    [InlineData(long.MaxValue)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    public async Task A_clock_outside_the_years_1970_to_9999_is_invalid_argument(long wallMs)
    {
        var head = await Head();
        var op = RawOps.Make("dina", Device.Order("wo-1"), null, wallMs, new SetField(WorkOrderFields.Description, "time travel"));

        await Refused(StatusCode.InvalidArgument, () => _dina.PushAsync(op), "field hlc", wallMs.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(head, await Head());
    }

    [Fact]
    public async Task A_timestamp_value_past_year_9999_is_invalid_argument()
    {
        var op = RawOps.Make("dina", Device.Order("wo-1"), null, new SetField(WorkOrderFields.ScheduledStart, FieldValue.TimestampMs(long.MaxValue)));

        await Refused(StatusCode.InvalidArgument, () => _dina.PushAsync(op), "timestamp", "9999");
    }

    [Fact]
    public async Task Text_that_was_not_valid_utf8_is_refused_not_stored_as_replacement_characters()
    {
        var head = await Head();
        // The op's bytes on the wire hold C3 28 (not UTF-8). Google.Protobuf 3.36 refuses such a
        // string when it parses the request (older versions decoded it to U+FFFD without a word),
        // so the call fails before our code runs: undecodable bytes, which grpc-dotnet answers
        // UNKNOWN ("Exception was thrown by handler."); what matters here is that nothing is stored.
        var bytes = OpCodec.Encode(RawOps.Make("dina", Device.Order("wo-1"), null, new SetField(WorkOrderFields.Description, "ab@@cd")));
        var at = bytes.AsSpan().IndexOf("@@"u8);
        bytes[at] = 0xC3;
        bytes[at + 1] = 0x28;
        var broken = Wire.PushRequest.OfEncodedOps([bytes]);
        // A lone surrogate cannot be UTF-8 either: encoded, it also arrives as U+FFFD.
        var lone = RawOps.Make("dina", Device.Order("wo-1"), null, new SetField(WorkOrderFields.Description, "half \uD800 a pair"));

        var undecodable = await Assert.ThrowsAsync<RpcException>(() => _dina.PushAsync(broken));
        Assert.True(undecodable.StatusCode is StatusCode.Unknown or StatusCode.Internal or StatusCode.InvalidArgument, $"answered {undecodable.Status}");
        await Refused(StatusCode.InvalidArgument, () => _dina.PushAsync(lone), "field 'description'");

        Assert.Equal(head, await Head());
    }

    [Fact]
    public async Task Clearing_a_required_field_through_mutate_is_refused()
    {
        var clear = new Wire.Mutation { SetField = new Wire.SetField { Field = "title", Value = new Wire.FieldValue { NullValue = true } } };

        await Refused(StatusCode.InvalidArgument, () => _dina.MutateAsync("WorkOrder", "wo-1", 0, clear), "field 'title'", "cannot be cleared");

        Assert.Equal("Fix the pump", (await _dina.GetAsync("WorkOrder", "wo-1")).Fields["title"].StringValue);
    }

    [Fact]
    public async Task A_huge_author_name_is_refused_with_a_short_message()
    {
        var op = RawOps.Make(new string('d', 200 * 1024), Device.Order("wo-1"), null, new SetField(WorkOrderFields.Description, "x"));

        var error = await Refused(StatusCode.InvalidArgument, () => _dina.PushAsync(op), "author", "at most 100");

        Assert.True(error.Status.Detail.Length < 500, error.Status.Detail.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_tenant_admin_cannot_create_other_tenants()
    {
        var admin = await Relay.DeviceAsync("root", DeviceRoleKind.Admin);

        await Refused(StatusCode.PermissionDenied, () => admin.CreateTenantAsync("rival-co"), "operator");
        var own = await admin.CreateTenantAsync("default");

        Assert.Equal("default", own.Tenant.Name);
        Assert.DoesNotContain(await Relay.Host.Store.ListTenantsAsync(), t => t.Name == "rival-co");
    }
}
