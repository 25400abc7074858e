using Crdt.Core;

namespace Crdt.Relay.Sync;

/// <summary>One op as committed: its log position, the decoded op, its wire form and that form's
/// encoding (the bytes stored in the log).</summary>
internal sealed class CommittedOp(long Position, Op Op, Core.Wire.Op Wire, byte[] Payload)
{
    public long Position { get; } = Position;

    public Op Op { get; } = Op;

    public Core.Wire.Op Wire { get; } = Wire;

    public byte[] Payload { get; } = Payload;

    private Core.Wire.PullResponse? _streamItem;

    /// <summary>The <c>PullResponse { op }</c> stream item carrying <see cref="Payload"/> as it is,
    /// made once and written by every live stream that sends this op.</summary>
    public Core.Wire.PullResponse StreamItem => _streamItem ??= Core.Wire.PullResponse.OfEncodedOp(Payload);
}

/// <summary>
/// A link in a tenant's chain of commits: live streams hold their current node and await
/// <see cref="NextAsync"/>, so each commit is handed to every subscriber without copying or
/// re-reading the store, and a slow subscriber only keeps alive the nodes it has not read yet.
/// </summary>
internal sealed class CommitNode(long head, IReadOnlyList<CommittedOp> ops)
{
    private readonly TaskCompletionSource<CommitNode> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The tenant's log head once this commit is visible.</summary>
    public long Head { get; } = head;

    /// <summary>The ops this commit added (new ones only, in position order).</summary>
    public IReadOnlyList<CommittedOp> Ops { get; } = ops;

    public Task<CommitNode> NextAsync(CancellationToken cancellationToken) => _next.Task.WaitAsync(cancellationToken);

    public void Link(CommitNode next) => _next.TrySetResult(next);
}
