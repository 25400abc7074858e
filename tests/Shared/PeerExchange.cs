using Crdt.Replica.Internal.Sync;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Replica;

/// <summary>
/// Device-to-device exchange with no relay in between, for the benchmark's W2/W3 and the tests
/// only: not part of the shipped library (this file is compiled into Crdt.Replica.Tests and
/// Crdt.Bench, which see the replica's internals).
/// </summary>
internal static class PeerExchange
{
    /// <summary>
    /// The signed-in person's pending ops (everyone's pending ops made while nobody was signed in when
    /// no one is) exactly as <see cref="DeviceReplica.SyncAsync"/> would push them, each element one push
    /// message's bytes, batched by <see cref="ReplicaOptions.PushBatchOps"/> and
    /// <see cref="ReplicaOptions.PushBatchBytes"/>. Nothing is acknowledged: the outbox stays
    /// until the relay has stored the ops.
    /// </summary>
    public static IReadOnlyList<byte[]> OutboxPushMessages(this DeviceReplica replica)
    {
        var user = replica.CurrentUser ?? string.Empty;
        var messages = new List<byte[]>();
        (string Replica, long Seq)? after = null;
        while (true)
        {
            var batch = replica.OutboxBatch(user, after);
            if (batch.Count == 0)
            {
                return messages;
            }
            messages.Add(SyncDriver.ToPushRequest(batch, out _).ToByteArray());
            after = (batch[^1].Replica, batch[^1].Seq);
        }
    }

    /// <summary>
    /// Takes in another device's push message (from its <see cref="OutboxPushMessages"/>) the way
    /// ops pulled from the relay are taken in: decoded at the trust boundary, applied, and
    /// persisted with the documents they touch in one durable transaction. Ops already held are
    /// skipped. A malformed message or an invalid op refuses the whole message
    /// (<see cref="InvalidDataException"/>) and nothing of it is kept.
    /// </summary>
    public static async Task ApplyPushMessageAsync(this DeviceReplica replica, byte[] pushMessage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pushMessage);
        Wire.PushRequest request;
        try
        {
            request = Wire.PushRequest.Parser.ParseFrom(pushMessage);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException($"the other device's push message is not a valid push request, refused whole: {ex.Message}", ex);
        }
        var batch = new ReceivedBatch();
        batch.Ops.AddRange(request.Ops.Select(op => new ReceivedOp(op, null)));
        try
        {
            await replica.ApplyReceivedAsync(batch, user: null, cursor: null, cancellationToken, sender: "the other device").ConfigureAwait(false);
        }
        catch (Internal.Transport.RelayRefusedException ex)
        {
            throw new InvalidDataException(ex.Message, ex.InnerException);
        }
    }
}
