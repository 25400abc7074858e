using Crdt.Replica.Internal.Storage;
using Crdt.Replica.Internal.Transport;

namespace Crdt.Replica.Internal.Sync;

internal sealed partial class SyncDriver
{
    /// <summary>
    /// The relay refused <paramref name="batch"/> for good. Finds the op at fault: the one the
    /// relay named, after sending the ops before it as one batch; else op by op from the start.
    /// An op is set aside only when the relay refuses it sent alone. The ops after it wait for the
    /// next push, which runs at once.
    /// </summary>
    private async Task SetAsideRefusedAsync(IRelayConnection connection, string user, IReadOnlyList<StoredOp> batch,
        RelayRefusedException refusal, CancellationToken cancellationToken)
    {
        RefusedEdit? refused = null;
        try
        {
            if (batch.Count == 1)
            {
                refused = SetAside(batch[0], refusal);
                return;
            }
            var start = 0;
            if (RefusalHint.NamedOp(refusal.Detail, batch.Count) is { } named && named > 0)
            {
                try
                {
                    await PushBatchAsync(connection, user, batch.Take(named).ToList(), cancellationToken).ConfigureAwait(false);
                    start = named;
                }
                catch (RelayRefusedException again) when (again.RefusedForGood)
                {
                    // The hint was wrong (or the relay words its refusals otherwise): go op by op.
                }
            }
            for (var i = start; i < batch.Count; i++)
            {
                try
                {
                    await PushBatchAsync(connection, user, [batch[i]], cancellationToken).ConfigureAwait(false);
                }
                catch (RelayRefusedException alone) when (alone.RefusedForGood)
                {
                    refused = SetAside(batch[i], alone);
                    return;
                }
            }
        }
        finally
        {
            if (refused is not null)
            {
                _replica.RaiseEditsRefused(refused);
            }
        }
    }

    private RefusedEdit SetAside(StoredOp op, RelayRefusedException refusal)
    {
        var (edit, pending) = _replica.MoveToRefused(op, refusal.Status ?? "Unknown", refusal.Detail ?? refusal.Message);
        // The relay answered: the device is online, and the ops behind this one go next.
        _machine.OnPushAcknowledged(0, 0, pending);
        return edit;
    }
}
