using Crdt.Core.Wire;
using Grpc.Core;
using Crdt.Relay.Compaction;

namespace Crdt.Relay.Services;

/// <summary>admin.proto's bounded-history calls (README "Bounded history"): compaction of a running relay
/// and who holds it back, for the admin role of the tenant only.</summary>
internal sealed partial class AdminService
{
    public override Task<CompactResponse> Compact(CompactRequest request, ServerCallContext context)
    {
        RequireAdmin(context);
        var tenant = TenantOf(request.Tenant, context);
        return guard.RunAsync(context, async _ =>
        {
            var result = await engine.CompactAsync(tenant, context.CancellationToken).ConfigureAwait(false);
            var response = new CompactResponse
            {
                Tenant = tenant,
                Horizon = (ulong)result.Horizon.Position,
                OpsBefore = result.OpsBefore,
                OpsAfter = result.OpsAfter,
                BytesBefore = result.BytesBefore,
                BytesAfter = result.BytesAfter,
                Documents = result.Documents,
            };
            response.HeldBackBy.AddRange(result.Horizon.HoldingBack.Select(ToWire));
            return response;
        });
    }

    public override Task<ListDeviceProgressResponse> ListDeviceProgress(ListDeviceProgressRequest request, ServerCallContext context)
    {
        RequireAdmin(context);
        var tenant = TenantOf(request.Tenant, context);
        return guard.RunAsync(context, async _ =>
        {
            var (horizon, head) = await engine.DeviceProgressAsync(tenant, context.CancellationToken).ConfigureAwait(false);
            var response = new ListDeviceProgressResponse { Horizon = (ulong)horizon.Position, Head = (ulong)head };
            response.Devices.AddRange(horizon.Devices.Select(ToWire));
            return response;
        });
    }

    private static Core.Wire.DeviceProgress ToWire(Compaction.DeviceProgress progress) => new()
    {
        Name = progress.Device,
        Revoked = progress.Revoked,
        Acknowledged = (ulong)progress.Acknowledged,
        HoldsCompactionBack = progress.HoldsBack,
        SinceUnixMs = progress.Since.ToUnixTimeMilliseconds(),
    };
}
