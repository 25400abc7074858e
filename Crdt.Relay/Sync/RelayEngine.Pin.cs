using Crdt.Relay.Auth;
using Crdt.Relay.Services;
using Wire = Crdt.Core.Wire;
using StoreKey = Crdt.Relay.Storage.StoreDocumentKey;

namespace Crdt.Relay.Sync;

internal sealed partial class RelayEngine
{
    /// <summary>Sync.Pin: keeps (or stops keeping) a document that does not follow assignment in the
    /// caller's scope; answers the caller's pins and, when pinning, the document's snapshot.
    /// In the engine rather than the service so every transport (and the simulation) runs the same rule.</summary>
    public async Task<Wire.PinResponse> PinAsync(CallerIdentity caller, Wire.PinRequest request, CancellationToken cancellationToken)
    {
        var key = WireViews.Key(request.Document);
        if (key.Collection == Core.WorkOrderFields.Collection)
        {
            throw RelayRefusal.Invalid($"{key}: work orders are not pinned; they follow assignment");
        }

        if (!Schemas.TryGet(key.Collection, out _))
        {
            throw RelayRefusal.Invalid($"{key}: unknown collection '{key.Collection}'");
        }
        // Whose pin it is: the caller's own, or (the office sharing) another device's; the role
        // policy decides which documents either may be (RolePolicy.CheckPin).
        var owner = await PinOwnerAsync(caller, key, request.Pinned, request.ForDevice, cancellationToken).ConfigureAwait(false);
        await Store.SetPinAsync(caller.Tenant, owner, new StoreKey(key.Collection, key.Id), request.Pinned, cancellationToken)
            .ConfigureAwait(false);
        var response = new Wire.PinResponse();
        foreach (var pin in await Store.ListPinsAsync(caller.Tenant, owner, cancellationToken).ConfigureAwait(false))
        {
            response.Pinned.Add(new Wire.DocumentKey { Collection = pin.Document.Collection, Id = pin.Document.Id });
        }
        if (request.Pinned)
        {
            var tenant = await TenantAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
            if (tenant.SnapshotIfExists(key) is { } snapshot)
            {
                response.Document = snapshot;
            }
        }
        return response;
    }
}
