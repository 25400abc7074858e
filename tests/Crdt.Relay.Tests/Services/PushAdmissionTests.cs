using Crdt.Relay.Services;

namespace Crdt.Relay.Tests.Services;

/// <summary>The cap on pushes worked on at once: the one past the limit waits for a place, every push
/// still runs, a push whose call ends while it waits never runs, and one device's pushes hold at most
/// one place.</summary>
public sealed class PushAdmissionTests
{
    [Fact]
    public async Task A_push_past_the_limit_waits_until_one_in_progress_finishes()
    {
        var admission = new PushAdmission(2);
        var release = new[] { new TaskCompletionSource<int>(), new TaskCompletionSource<int>() };
        var first = admission.RunAsync(Device(0), () => release[0].Task, CancellationToken.None);
        var second = admission.RunAsync(Device(1), () => release[1].Task, CancellationToken.None);
        var thirdStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var third = admission.RunAsync(Device(2), () =>
        {
            thirdStarted.SetResult();
            return Task.FromResult(3);
        }, CancellationToken.None);

        await Task.Delay(200);
        Assert.False(thirdStarted.Task.IsCompleted);
        release[1].SetResult(2);
        await thirdStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, await third);
        Assert.Equal(2, await second);
        Assert.False(first.IsCompleted);
        release[0].SetResult(1);
        Assert.Equal(1, await first);
    }

    [Fact]
    public async Task Many_pushes_at_once_all_run_never_more_than_the_limit_together()
    {
        var admission = new PushAdmission(3);
        var inside = 0;
        var most = 0;
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => admission.RunAsync(Device(i), async () =>
        {
            var now = Interlocked.Increment(ref inside);
            InterlockedMax(ref most, now);
            await Task.Yield();
            Interlocked.Decrement(ref inside);
            return i;
        }, CancellationToken.None))));

        Assert.Equal(Enumerable.Range(0, 200), results);
        Assert.InRange(most, 1, 3);
    }

    [Fact]
    public async Task A_push_whose_call_ends_while_it_waits_never_runs_and_takes_no_place()
    {
        var admission = new PushAdmission(1);
        var holder = new TaskCompletionSource<int>();
        var holding = admission.RunAsync(Device(0), () => holder.Task, CancellationToken.None);
        using var callEnded = new CancellationTokenSource();
        var ran = false;
        var waiting = admission.RunAsync(Device(1), () =>
        {
            ran = true;
            return Task.FromResult(0);
        }, callEnded.Token);

        await callEnded.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        holder.SetResult(1);
        await holding;
        Assert.Equal(7, await admission.RunAsync(Device(2), () => Task.FromResult(7), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(ran);
    }

    [Fact]
    public async Task One_device_pushing_many_at_once_holds_one_place_and_another_device_still_gets_in()
    {
        var admission = new PushAdmission(2);
        var flood = new TaskCompletionSource<int>();
        var running = 0;
        var flooding = Enumerable.Range(0, 5).Select(_ => admission.RunAsync(Device(0), () =>
        {
            Interlocked.Increment(ref running);
            return flood.Task;
        }, CancellationToken.None)).ToList();

        // Another device is let in while the flooding device's pushes wait their turn behind its first.
        Assert.Equal(7, await admission.RunAsync(Device(1), () => Task.FromResult(7), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, Volatile.Read(ref running));
        flood.SetResult(1);
        var results = await Task.WhenAll(flooding).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new[] { 1, 1, 1, 1, 1 }, results);
        Assert.Equal(5, running);
    }

    private static (string Tenant, string Device) Device(int i) => ("acme", $"device-{i}");

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen) return;
            seen = previous;
        }
    }
}
