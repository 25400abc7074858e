using Crdt.Core.Wire;
using Grpc.Core;
using Crdt.Relay.Auth;
using Crdt.Relay.Devices;
using Crdt.Relay.Diagnostics;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Blobs;
using Crdt.Relay.Sync;

namespace Crdt.Relay.Services;

/// <summary>admin.proto: devices and tenants, for callers with the admin role only.</summary>
internal sealed partial class AdminService(IRelayStore store, DeviceDirectory devices, RelayMetrics metrics, TimeProvider time, IBlobStore blobs, CallGuard guard, RelayEngine engine) : Admin.AdminBase
{
    public override async Task<RegisterDeviceResponse> RegisterDevice(RegisterDeviceRequest request, ServerCallContext context)
    {
        RequireAdmin(context);
        var tenant = TenantOf(request.Tenant, context);
        if (DeviceNames.CheckDeviceName(request.Name) is { } problem)
        {
            throw Refuse(context, StatusCode.InvalidArgument, $"name: {problem}");
        }

        if (request.Role == DeviceRole.Unspecified || !Enum.IsDefined(request.Role))
        {
            throw Refuse(context, StatusCode.InvalidArgument, "role: must be technician, dispatcher or admin");
        }

        var token = DeviceTokens.NewToken();
        try
        {
            var device = await store.AddDeviceAsync(new NewDevice(tenant, request.Name, (DeviceRoleKind)(int)request.Role,
                DeviceTokens.Hash(token), time.GetUtcNow()), context.CancellationToken).ConfigureAwait(false);
            return new RegisterDeviceResponse { Device = ToWire(device), Token = token };
        }
        catch (DeviceNameTakenException e)
        {
            throw Refuse(context, StatusCode.AlreadyExists, e.Message);
        }
    }

    public override async Task<ListDevicesResponse> ListDevices(ListDevicesRequest request, ServerCallContext context)
    {
        RequireAdmin(context);
        var found = await store.ListDevicesAsync(TenantOf(request.Tenant, context),
            request.IncludeRevoked, context.CancellationToken).ConfigureAwait(false);
        var response = new ListDevicesResponse();
        response.Devices.AddRange(found.Select(ToWire));
        return response;
    }

    public override async Task<RevokeDeviceResponse> RevokeDevice(RevokeDeviceRequest request, ServerCallContext context)
    {
        RequireAdmin(context);
        var tenant = TenantOf(request.Tenant, context);
        var revoked = await store.RevokeDeviceAsync(tenant, request.Name, time.GetUtcNow(), context.CancellationToken).ConfigureAwait(false)
            ?? throw Refuse(context, StatusCode.NotFound, $"tenant '{tenant}' has no device named '{request.Name}'");
        // End the device's calls now rather than at the next poll.
        await devices.RefreshAsync(context.CancellationToken).ConfigureAwait(false);
        return new RevokeDeviceResponse { Device = ToWire(revoked) };
    }

    public override async Task<CreateTenantResponse> CreateTenant(CreateTenantRequest request, ServerCallContext context)
    {
        RequireAdmin(context);
        if (DeviceNames.CheckTenantName(request.Name) is { } problem)
        {
            throw Refuse(context, StatusCode.InvalidArgument, $"name: {problem}");
        }
        // A tenant admin runs one company: new tenants are the relay operator's (`device add --tenant`).
        if (request.Name != context.Caller().Tenant)
        {
            throw Refuse(context, StatusCode.PermissionDenied, $"tenant '{request.Name}': only the relay's operator creates tenants (crdt-relay device add --tenant ... on the relay host); {context.Caller()} manages only its own tenant");
        }

        var tenant = await store.EnsureTenantAsync(request.Name, time.GetUtcNow(), context.CancellationToken).ConfigureAwait(false);
        return new CreateTenantResponse { Tenant = new Tenant { Name = tenant.Name, CreatedAtUnixMs = tenant.CreatedAt.ToUnixTimeMilliseconds() } };
    }

    public override async Task<ListTenantsResponse> ListTenants(ListTenantsRequest request, ServerCallContext context)
    {
        RequireAdmin(context);
        var response = new ListTenantsResponse();
        // Only the caller's own tenant: other tenants' names are theirs.
        response.Tenants.AddRange((await store.ListTenantsAsync(context.CancellationToken).ConfigureAwait(false))
            .Where(t => t.Name == context.Caller().Tenant)
            .Select(t => new Tenant { Name = t.Name, CreatedAtUnixMs = t.CreatedAt.ToUnixTimeMilliseconds() }));
        return response;
    }

    private void RequireAdmin(ServerCallContext context)
    {
        var caller = context.Caller();
        if (caller.Role != DeviceRoleKind.Admin)
        {
            throw Refuse(context, StatusCode.PermissionDenied, $"the Admin service needs the admin role; {caller} is not an admin");
        }
    }

    // An admin device manages its own tenant only: tenants never see each other. The operator
    // CLI, which works on the data folder directly, is not bound by this.
    private string TenantOf(string requested, ServerCallContext context)
    {
        var caller = context.Caller();
        var tenant = requested.Length == 0 ? caller.Tenant : requested;
        if (DeviceNames.CheckTenantName(tenant) is { } problem)
        {
            throw Refuse(context, StatusCode.InvalidArgument, $"tenant: {problem}");
        }

        if (tenant != caller.Tenant)
        {
            throw Refuse(context, StatusCode.PermissionDenied, $"tenant '{tenant}': {caller} may manage only its own tenant");
        }

        return tenant;
    }

    private RpcException Refuse(ServerCallContext context, StatusCode code, string message)
    {
        metrics.Refused(code.ToString(), context.Method);
        return new RpcException(new Status(code, message));
    }

    private static Device ToWire(DeviceRecord device) => new()
    {
        Name = device.Name,
        Tenant = device.Tenant,
        Role = (DeviceRole)(int)device.Role,
        CreatedAtUnixMs = device.CreatedAt.ToUnixTimeMilliseconds(),
        RevokedAtUnixMs = device.RevokedAt?.ToUnixTimeMilliseconds() ?? 0,
    };
}
