using Crdt.Relay.Auth;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Sync;

/// <summary>Bounded history on a running relay: acknowledgements from pulls, compacted bases at start-up (README "Bounded history").</summary>
internal sealed partial class RelayEngine
{
    /// <summary>
    /// Records a pull's cursor as the device's acknowledgement when it can count: the replica it names
    /// is the caller's (bound to the caller's device, or to the replica key the caller shows: a person
    /// signed in on a shared device holds its file), and the relay holds every op of it from sequence 1
    /// to <paramref name="madeThrough"/>. Then every op of it the relay has not received was made after
    /// the device held the log up to the cursor. Anything else acknowledges nothing: the device only
    /// holds back compaction longer. (Naming another device's fully stored replica would otherwise let
    /// a device with unpushed edits move the horizon past ops those edits are concurrent with; the push
    /// path refuses such edits anyway, see <see cref="BatchValidator"/>.)
    /// </summary>
    public async Task AcknowledgeAsync(CallerIdentity caller, ulong cursor, string replica, ulong madeThrough, string? replicaKey, CancellationToken cancellationToken)
    {
        if (cursor == 0 || cursor > long.MaxValue || madeThrough > long.MaxValue || string.IsNullOrEmpty(replica) || Store is not ICompactionStore store)
        {
            return;
        }

        var owner = await Store.GetReplicaOwnerAsync(caller.Tenant, replica, cancellationToken).ConfigureAwait(false);
        if (owner is null ? madeThrough != 0 : !ClaimOf(caller, replicaKey).Matches(owner.Device, owner.KeyHash))
        {
            return;
        }

        var tenant = await TenantAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
        if ((long)cursor > tenant.Head || !tenant.HoldsEveryOp(replica, (long)madeThrough))
        {
            return;
        }

        await store.RecordAcknowledgementAsync(caller.Tenant, caller.Name, (long)cursor, replica, (long)madeThrough, Options.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Loads the tenant's compacted bases before its log is replayed.</summary>
    private async Task LoadBasesAsync(TenantState tenant)
    {
        if (Store is not ICompactionStore store)
        {
            return;
        }

        tenant.CompactedThrough = await store.GetCompactedThroughAsync(tenant.Name).ConfigureAwait(false);
        if (tenant.CompactedThrough == 0)
        {
            return;
        }

        foreach (var record in await store.ReadBasesAsync(tenant.Name).ConfigureAwait(false))
        {
            tenant.AdoptBase(new Core.DocumentKey(record.Document.Collection, record.Document.Id), record.Position, record.Snapshot);
        }
    }
}
