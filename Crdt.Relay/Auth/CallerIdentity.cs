using Crdt.Relay.Storage;

namespace Crdt.Relay.Auth;

/// <summary>The authenticated device behind a call: who it is, in which tenant, with which role.</summary>
public sealed record CallerIdentity(string Tenant, string Name, DeviceRoleKind Role)
{
    /// <summary>Dispatchers and admins see their whole tenant; technicians only their scope.</summary>
    public bool SeesWholeTenant => Role is DeviceRoleKind.Dispatcher or DeviceRoleKind.Admin;

    public override string ToString() => $"{Role.ToString().ToLowerInvariant()} '{Name}' of tenant '{Tenant}'";
}
