using Crdt.Core;
using Crdt.Relay.Sync;

namespace Crdt.Relay.Tests.Sync;

/// <summary>
/// The chain of commits live streams follow: linking a commit runs its waiting streams on the linking
/// thread (so a commit's items are handed to every stream before the committer goes on), the tenant
/// links only after leaving its gate (the streams query the tenant), and a reader that falls behind
/// still walks every commit once, in order. (Waking them through the thread pool, its global queue or a
/// thread of their own instead left them queued behind a burst's push work: docs/performance.md.)
/// </summary>
public sealed class CommitNodeTests
{
    [Fact]
    public async Task Linking_runs_a_waiting_stream_on_the_linking_thread_before_it_returns()
    {
        var first = new CommitNode(0, []);
        long seenHead = -1;
        var seenOn = -1;
        _ = WaitAsync();

        // On a thread-pool thread, as commits are linked in the relay (no synchronization context there;
        // a test's own context would make the runtime queue the continuation instead of inlining it).
        var (linker, headWhenLinked, seenOnWhenLinked) = await Task.Run(() =>
        {
            first.Link(new CommitNode(7, []));
            return (Environment.CurrentManagedThreadId, seenHead, seenOn);
        });

        Assert.Equal(7, headWhenLinked);
        Assert.Equal(linker, seenOnWhenLinked);

        async Task WaitAsync()
        {
            using var cancellable = new CancellationTokenSource();
            var next = await first.NextAsync(cancellable.Token).ConfigureAwait(false);
            seenHead = next.Head;
            seenOn = Environment.CurrentManagedThreadId;
        }
    }

    [Fact]
    public async Task The_tenant_runs_its_waiting_streams_after_leaving_its_gate()
    {
        var tenant = new TenantState("default", SchemaRegistry.CreateDefault(), new ReplicaId("relay"));
        var streamCouldQuery = tenant.Latest.NextAsync(CancellationToken.None).ContinueWith(_ =>
        {
            // Another thread asks the tenant (under its gate) while this stream runs on the applying thread.
            var couldQuery = Task.Run(() => tenant.Inspect(documents => documents.Count)).Wait(TimeSpan.FromSeconds(10));
            return (couldQuery, Environment.CurrentManagedThreadId);
        }, TaskContinuationOptions.ExecuteSynchronously);

        var applier = await Task.Run(() =>
        {
            tenant.Apply([], 5);
            return Environment.CurrentManagedThreadId;
        });

        var (couldQuery, ranOn) = await streamCouldQuery.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(applier, ranOn);
        Assert.True(couldQuery, "the stream ran while the tenant's gate was held");
        Assert.Equal(5, tenant.Head);
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
