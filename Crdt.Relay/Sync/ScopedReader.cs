using Crdt.Core;
using Crdt.Relay.Auth;

namespace Crdt.Relay.Sync;

/// <summary>A caller with the scope it reads through: what the tenant's queries are asked on behalf of.
/// <see cref="CanRead"/> reads tenant state, so only the tenant's queries call it (under its gate).</summary>
internal sealed class ScopedReader(CallerIdentity caller, ScopePolicy scope)
{
    public CallerIdentity Caller { get; } = caller;

    public bool CanRead(DocumentKey key) => scope.CanRead(Caller, key);
}
