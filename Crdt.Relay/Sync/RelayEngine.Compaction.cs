using Crdt.Relay.Auth;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Sync;

/// <summary>Bounded history on a running relay: acknowledgements from pulls, compacted bases at start-up (README "Bounded history").</summary>
internal sealed partial class RelayEngine
{
    /// <summary>
    /// Records a pull's cursor as the device's acknowledgement when it can count: the relay already holds
    /// every op the device's replica says it made. Then every op of it the relay has not received was made
    /// after the device held the log up to the cursor. (The replica may be another device's: people
    /// signed in on a shared device share its replica.) Anything else acknowledges nothing: the device
    /// only holds back compaction longer.
    /// </summary>
    public async Task AcknowledgeAsync(CallerIdentity caller, ulong cursor, string replica, ulong madeThrough, CancellationToken cancellationToken)
    {
        if (cursor == 0 || cursor > long.MaxValue || madeThrough > long.MaxValue || string.IsNullOrEmpty(replica) || Store is not ICompactionStore store)
        {
            return;
        }

        if (await Store.GetMaxSequenceAsync(caller.Tenant, replica, cancellationToken).ConfigureAwait(false) < (long)madeThrough)
        {
            return;
        }

        var tenant = await TenantAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
        if ((long)cursor > tenant.Head)
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
