using Crdt.Core.Wire;
using Grpc.Core;
using Crdt.Relay.Cli;
using Crdt.Relay.Services;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;

namespace Crdt.Relay.Tests.Sync;

/// <summary>Guards revocation: a revoked token is refused at once, and the device's open streams
/// end with UNAUTHENTICATED, whether it was revoked through the Admin service or by the operator
/// CLI working on the same data folder while the relay runs.</summary>
public sealed class RevocationTests : RelayTestBase
{

    private static async Task<RpcException> StreamEnds(IAsyncStreamReader<PullResponse> stream, CancellationToken cancellationToken)
    {
        return await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await stream.MoveNext(cancellationToken)) { }
        });
    }

    [Fact]
    public async Task Revoking_through_the_admin_service_ends_open_streams_and_refuses_the_token()
    {
        var admin = await Relay.DeviceAsync("root", DeviceRoleKind.Admin);
        var tech = await Relay.DeviceAsync("tom", DeviceRoleKind.Technician);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var subscription = tech.Subscribe(0, cancel.Token);
        Assert.True(await subscription.ResponseStream.MoveNext(cancel.Token));

        await admin.RevokeDeviceAsync(new RevokeDeviceRequest { Name = "tom" });

        var ended = await StreamEnds(subscription.ResponseStream, cancel.Token);
        Assert.Equal(StatusCode.Unauthenticated, ended.StatusCode);
        var refused = await Assert.ThrowsAsync<RpcException>(() => tech.PullAsync());
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public async Task Revoking_with_the_cli_while_the_relay_runs_ends_open_streams()
    {
        var tech = await Relay.DeviceAsync("tom", DeviceRoleKind.Technician);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var watch = tech.Watch(new WatchRequest());
        using var subscription = tech.Subscribe(0, cancel.Token);
        Assert.True(await subscription.ResponseStream.MoveNext(cancel.Token));

        var exit = await RelayCli.RunAsync(["device", "revoke", "tom", "--data", Relay.DataDirectory], TextWriter.Null, TextWriter.Null);

        Assert.Equal(0, exit);
        Assert.Equal(StatusCode.Unauthenticated, (await StreamEnds(subscription.ResponseStream, cancel.Token)).StatusCode);
        var watchEnded = await Assert.ThrowsAsync<RpcException>(async () => { while (await watch.ResponseStream.MoveNext(cancel.Token)) { } });
        Assert.Equal(StatusCode.Unauthenticated, watchEnded.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => tech.GetAsync("Part", "p1"))).StatusCode);
    }

    [Fact]
    public async Task Admin_service_registers_lists_and_is_closed_to_other_roles()
    {
        var admin = await Relay.DeviceAsync("root", DeviceRoleKind.Admin);
        var dispatcher = await Relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);

        var registered = await admin.RegisterDeviceAsync(new RegisterDeviceRequest { Name = "newtech", Role = DeviceRole.Technician });
        var listed = await admin.ListDevicesAsync(new ListDevicesRequest());
        var newcomer = Relay.Client(registered.Token);
        var denied = await Assert.ThrowsAsync<RpcException>(() => dispatcher.ListDevicesAsync(new ListDevicesRequest()));
        var otherTenant = await Assert.ThrowsAsync<RpcException>(() => admin.ListDevicesAsync(new ListDevicesRequest { Tenant = "elsewhere" }));
        var taken = await Assert.ThrowsAsync<RpcException>(() => admin.RegisterDeviceAsync(new RegisterDeviceRequest { Name = "dina", Role = DeviceRole.Admin }));

        Assert.Equal(["dina", "newtech", "root"], listed.Devices.Select(d => d.Name));
        Assert.Single(await newcomer.PullAsync());
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, otherTenant.StatusCode);
        Assert.Equal(StatusCode.AlreadyExists, taken.StatusCode);
    }
}
