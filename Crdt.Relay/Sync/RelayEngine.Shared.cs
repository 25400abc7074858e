using Crdt.Core;
using Crdt.Relay.Storage;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Sync;

/// <summary>
/// Several relay processes on one store (<see cref="ISharedRelayStore"/>): a tenant's log also grows
/// through the other processes, so this process's state follows the log rather than only its own
/// commits. Every advance reads the log after the tenant's head, under the tenant's write lock, so
/// ops are applied exactly once and in log order whoever appended them: after each own append (the
/// positions before it may be another node's), on a wake-up from the store, and in a periodic sweep
/// that covers lost wake-ups.
/// </summary>
internal sealed partial class RelayEngine
{
    private const int CatchUpPage = 2000;
    private LogFollower? _follower;

    /// <summary>Whether other relay processes append to this relay's store.</summary>
    public bool IsShared => _follower is not null;

    /// <summary>Starts following the other processes when the store is shared (from <see cref="OpenAsync"/>).</summary>
    private void FollowOtherNodes()
    {
        if (Store is ISharedRelayStore shared)
        {
            _follower = new LogFollower(this, shared, _shutdown.Token);
        }
    }

    /// <summary>The tenants loaded so far (the follower advances these; others load when first asked).</summary>
    internal IEnumerable<string> LoadedTenants => _tenants.Where(t => t.Value.IsValueCreated && t.Value.Value.IsCompletedSuccessfully).Select(t => t.Key);

    /// <summary>Applies what other processes appended to the tenant since this one last looked.</summary>
    public async Task CatchUpAsync(TenantState tenant, CancellationToken cancellationToken)
    {
        await tenant.WriteExclusiveAsync(async () =>
        {
            await CatchUpLockedAsync(tenant, long.MaxValue, []).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Advances the tenant (the caller writes exclusively, see TenantState.WriteExclusiveAsync) along the log to <paramref name="upTo"/>:
    /// <paramref name="fresh"/> are ops this process just appended (applied as they are, without
    /// reading them back); every other position is read from the store.
    /// </summary>
    private async Task CatchUpLockedAsync(TenantState tenant, long upTo, IReadOnlyList<CommittedOp> fresh)
    {
        var next = 0;
        while (tenant.Head < upTo)
        {
            if (next < fresh.Count && fresh[next].Position <= tenant.Head)
            {
                next++; // already applied (read from the log by an earlier pass)
                continue;
            }
            if (next < fresh.Count && fresh[next].Position == tenant.Head + 1)
            {
                var run = new List<CommittedOp>();
                while (next < fresh.Count && fresh[next].Position == tenant.Head + 1 + run.Count)
                {
                    run.Add(fresh[next++]);
                }

                tenant.Apply(run, run[^1].Position);
                continue;
            }
            var stop = next < fresh.Count ? fresh[next].Position - 1 : upTo;
            var limit = (int)Math.Min(CatchUpPage, Math.Max(1, stop - tenant.Head));
            var page = await Store.ReadLogAsync(tenant.Name, tenant.Head, limit).ConfigureAwait(false);
            if (page.Count > 0 && page[0].Position > tenant.Head + 1)
            {
                // Positions are dense: a gap is ops another node compacted before this one applied them.
                await AdoptCompactedBasesAsync(tenant).ConfigureAwait(false);
            }
            var ops = new List<CommittedOp>(page.Count);
            foreach (var entry in page)
            {
                if (entry.Position > stop)
                {
                    break;
                }

                var op = Wire.CoreMessages.ToOp(Wire.Op.Parser.ParseFrom(entry.Payload));
                ops.Add(new CommittedOp(entry.Position, op, entry.Payload));
            }
            if (ops.Count == 0)
            {
                // Nothing more committed yet, unless another node compacted what follows the head away.
                var compactedThrough = await AdoptCompactedBasesAsync(tenant).ConfigureAwait(false);
                if (compactedThrough <= tenant.Head)
                {
                    return;
                }

                tenant.Apply([], Math.Min(compactedThrough, stop));
                continue;
            }

            tenant.Apply(ops, ops[^1].Position);
            ObserveClock(ops);
        }
    }

    private ValueTask StopFollowingAsync() => _follower?.DisposeAsync() ?? ValueTask.CompletedTask;
}
