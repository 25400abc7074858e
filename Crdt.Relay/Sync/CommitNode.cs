using Crdt.Core;

namespace Crdt.Relay.Sync;

/// <summary>One op as committed: its log position, the op, and its encoding (the bytes stored in the
/// log, which streams send as they are). No message form: a pushed op's canonical bytes are read straight
/// into the op (issue 11), and what a stream needs of an op it reads from the op.</summary>
internal sealed class CommittedOp(long Position, Op Op, byte[] Payload)
{
    public long Position { get; } = Position;

    public Op Op { get; } = Op;

    public byte[] Payload { get; } = Payload;

    private Core.Wire.PullResponse? _streamItem;
    private Core.Wire.PullResponse? _preEncodedItem;

    /// <summary>The <c>PullResponse { op }</c> stream item carrying <see cref="Payload"/> as it is,
    /// made once and written by every live stream that sends this op, whoever serializes it. Made only
    /// when asked: streams served by the relay send <see cref="PreEncodedItem"/>.</summary>
    public Core.Wire.PullResponse StreamItem => _streamItem ??= Core.Wire.PullResponse.OfEncodedOp(Payload);

    /// <summary>The same item as its whole encoding, made once and written as is by every served stream
    /// that sends this op (<see cref="Core.Wire.PullResponse.PreEncodedOp"/>).</summary>
    public Core.Wire.PullResponse PreEncodedItem => _preEncodedItem ??= Core.Wire.PullResponse.PreEncodedOp(Payload);
}

/// <summary>
/// A link in a tenant's chain of commits: live streams hold their current node and await
/// <see cref="NextAsync"/>, so each commit is handed to every subscriber without copying or
/// re-reading the store, and a slow subscriber only keeps alive the nodes it has not read yet.
/// <see cref="Link"/> runs the waiting streams on the linking thread, each until it next awaits (its
/// flush, or the commit after): a commit's items are in every live stream's output before the committer
/// goes on to acknowledge its push and let the next writer in. Woken through the thread pool instead,
/// under a burst of pushes the streams' turns queued behind the pushes' work and commits ran thousands
/// of ops ahead of deliveries (docs/performance.md, issue 11). So the linker must hold no lock a stream
/// takes (<see cref="TenantState.Apply"/> links after leaving the tenant's gate).
/// </summary>
internal sealed class CommitNode(long head, IReadOnlyList<CommittedOp> ops)
{
    // No RunContinuationsAsynchronously: the waiters run inline in Link (see above).
    private readonly TaskCompletionSource<CommitNode> _next = new();

    /// <summary>When the commit was applied in the tenant (<see cref="System.Diagnostics.Stopwatch"/> ticks): live
    /// streams time their delivery from it (<see cref="Diagnostics.RelayMetrics.StreamDelivered"/>).</summary>
    public long AppliedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>The tenant's log head once this commit is visible.</summary>
    public long Head { get; } = head;

    /// <summary>The ops this commit added (new ones only, in position order).</summary>
    public IReadOnlyList<CommittedOp> Ops { get; } = ops;

    public Task<CommitNode> NextAsync(CancellationToken cancellationToken) => _next.Task.WaitAsync(cancellationToken);

    /// <summary>The commit after this one, if it is linked already (a stream that fell behind takes it at once).</summary>
    public bool TryNext([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CommitNode? next)
    {
        next = _next.Task.IsCompletedSuccessfully ? _next.Task.Result : null;
        return next is not null;
    }

    /// <summary>Publishes <paramref name="next"/> as the commit after this one, running the streams that wait for it.</summary>
    public void Link(CommitNode next) => _next.TrySetResult(next);
}
