namespace Crdt.Relay.Sync;

/// <summary>
/// A tenant whose stored log cannot be read (a damaged op, a damaged page): it is not served, and
/// every call for it is answered DATA_LOSS with this message, which names the store's file, the
/// tenant and the log position. Other tenants are served as usual.
/// </summary>
internal sealed class TenantFaultedException(string tenant, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Tenant { get; } = tenant;
}
