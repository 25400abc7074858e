using Crdt.Relay.Auth;

namespace Crdt.Relay.Sync;

internal sealed partial class RelayEngine
{
    /// <summary>The caller's tenant and the scope it reads through (its pins looked up once, for this call).</summary>
    public async Task<(TenantState Tenant, ScopedReader Reader)> ReaderAsync(CallerIdentity caller, CancellationToken cancellationToken)
    {
        var tenant = await TenantAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
        var pins = await PinsAsync(caller, cancellationToken).ConfigureAwait(false);
        return (tenant, new ScopedReader(caller, new ScopePolicy(tenant, pins)));
    }
}
