using Crdt.Replica.Internal.Sync;

namespace Crdt.Replica.Tests.Sync;

/// <summary>Guards the sync rules without sockets: what goes out when, and what the app is told.</summary>
public sealed class SyncMachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Work_offline_sends_nothing_even_with_pending_edits()
    {
        var machine = new SyncMachine(Backoff.Default, workOffline: true, live: true);

        var step = machine.Next(T0, "ana", pendingOfUser: 3);

        Assert.IsType<SyncStep.Idle>(step);
        Assert.Equal(ConnectivityState.WorkOffline, machine.Connectivity);
    }

    [Fact]
    public void Switching_work_offline_off_pushes_then_pulls_then_listens()
    {
        var machine = new SyncMachine(Backoff.Default, workOffline: true, live: true);
        machine.SetWorkOffline(false);

        Assert.Equal(new SyncStep.Push("ana"), machine.Next(T0, "ana", 2));
        machine.OnPushAcknowledged(ops: 2, bytes: 100, pendingAfter: 0);
        Assert.Equal(ConnectivityState.Online, machine.Connectivity);
        Assert.IsType<SyncStep.Pull>(machine.Next(T0, "ana", 0));
        machine.OnPulled(ops: 5, bytes: 500, more: true, pending: 0);
        Assert.IsType<SyncStep.Pull>(machine.Next(T0, "ana", 0));
        machine.OnPulled(ops: 1, bytes: 50, more: false, pending: 0);
        Assert.IsType<SyncStep.Listen>(machine.Next(T0, "ana", 0));
        Assert.Equal(new SyncProgress(2, 100, 6, 550, 0), machine.Progress);
    }

    [Fact]
    public void Nobody_signed_in_means_nothing_is_sent()
    {
        var machine = new SyncMachine(Backoff.Default, workOffline: false, live: false);

        Assert.IsType<SyncStep.Idle>(machine.Next(T0, userName: null, pendingOfUser: 4));
    }

    [Fact]
    public void An_unreachable_relay_makes_the_device_offline_and_retry_after_a_jittered_backoff()
    {
        var machine = new SyncMachine(Backoff.Default, workOffline: false, live: false);
        machine.OnPushAcknowledged(1, 1, 1);

        machine.OnUnreachable(T0, random01: 0.5, "connection refused");
        var first = Assert.IsType<SyncStep.Wait>(machine.Next(T0, "ana", 1));
        machine.OnUnreachable(first.RetryAt, random01: 0.5, "connection refused");
        var second = Assert.IsType<SyncStep.Wait>(machine.Next(first.RetryAt, "ana", 1));

        Assert.Equal(ConnectivityState.Offline, machine.Connectivity);
        Assert.Equal(T0 + TimeSpan.FromSeconds(0.75), first.RetryAt);
        Assert.Equal(first.RetryAt + TimeSpan.FromSeconds(1.5), second.RetryAt);
        Assert.Equal(new SyncStep.Push("ana"), machine.Next(second.RetryAt, "ana", 1));
        machine.OnPushAcknowledged(1, 10, 0);
        Assert.Equal(ConnectivityState.Online, machine.Connectivity);
        Assert.Equal(0, machine.ConsecutiveFailures);
    }

    [Fact]
    public void Asking_to_sync_skips_the_remaining_backoff()
    {
        var machine = new SyncMachine(Backoff.Default, workOffline: false, live: false);
        machine.OnUnreachable(T0, 0.9, "timeout");

        machine.RequestSync();

        Assert.Equal(new SyncStep.Push("ana"), machine.Next(T0, "ana", 1));
    }

    [Fact]
    public void Rejected_credentials_stop_retries_until_the_user_signs_in_again()
    {
        var machine = new SyncMachine(Backoff.Default, workOffline: false, live: true);

        machine.OnCredentialsRejected("token revoked");

        var idle = Assert.IsType<SyncStep.Idle>(machine.Next(T0.AddHours(1), "ana", 1));
        Assert.Contains("token revoked", idle.Reason);
    }

    [Fact]
    public void Work_offline_switched_on_while_offline_shows_work_offline()
    {
        var machine = new SyncMachine(Backoff.Default, workOffline: false, live: false);
        machine.OnUnreachable(T0, 0.1, "down");

        machine.SetWorkOffline(true);
        machine.OnUnreachable(T0, 0.1, "down");

        Assert.Equal(ConnectivityState.WorkOffline, machine.Connectivity);
    }
}
