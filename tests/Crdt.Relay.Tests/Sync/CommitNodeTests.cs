using Crdt.Relay.Sync;

namespace Crdt.Relay.Tests.Sync;

/// <summary>
/// The chain of commits live streams follow: linking a commit never runs its waiters inline on the
/// committing thread (which holds the tenant's gate and write lock there), and a reader that falls
/// behind still walks every commit once, in order. (Waking them through the thread pool's global queue
/// or a thread of their own instead was measured and did not shorten the lag: docs/performance.md.)
/// </summary>
public sealed class CommitNodeTests
{
    [Fact]
    public async Task Linking_does_not_run_a_waiting_stream_on_the_committing_thread_under_its_lock()
    {
        var gate = new object();
        var first = new CommitNode(0, []);
        var woken = first.NextAsync(CancellationToken.None).ContinueWith(
            t => (Head: t.Result.Head, UnderGate: Monitor.IsEntered(gate)), TaskContinuationOptions.ExecuteSynchronously);

        lock (gate)
        {
            first.Link(new CommitNode(7, []));
        }

        var (head, underGate) = await woken.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(7, head);
        Assert.False(underGate);
    }

    [Fact]
    public async Task A_reader_behind_many_links_made_in_a_row_sees_each_commit_once_in_order()
    {
        var start = new CommitNode(0, []);
        var reader = Task.Run(async () =>
        {
            var heads = new List<long>();
            var node = start;
            while (heads.Count < 1_000)
            {
                node = await node.NextAsync(CancellationToken.None);
                heads.Add(node.Head);
            }
            return heads;
        });

        var latest = start;
        for (long head = 1; head <= 1_000; head++)
        {
            var next = new CommitNode(head, []);
            latest.Link(next);
            latest = next;
        }

        var seen = await reader.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(1, 1_000).Select(h => (long)h), seen);
    }

    [Fact]
    public async Task A_waiting_reader_is_released_by_cancellation_without_a_commit()
    {
        using var stop = new CancellationTokenSource();
        var waiting = new CommitNode(0, []).NextAsync(stop.Token);
        Assert.False(waiting.IsCompleted);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
