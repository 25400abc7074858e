namespace Crdt.Replica.Internal.Sync;

/// <summary>
/// The sync engine as a state machine with no I/O (time and randomness passed in): it says
/// what to do next (<see cref="Next"/>) and is told what happened (the On… methods). The
/// driver only moves bytes, so every rule here is testable without sockets.
///
/// Order within a round: push the outbox until empty (our edits reach the relay first, so a
/// crash after this point never loses them), then pull until the relay has nothing more,
/// then listen live. Any transport failure puts the machine in backoff and the connectivity
/// Offline; the next success makes it Online again. WorkOffline stops everything.
/// </summary>
internal sealed class SyncMachine
{
    private readonly Backoff _backoff;
    private int _failures;
    private DateTimeOffset? _retryAt;
    private bool _pullNeeded = true;

    public SyncMachine(Backoff backoff, bool workOffline, bool live)
    {
        _backoff = backoff;
        Live = live;
        WorkOffline = workOffline;
        Connectivity = workOffline ? ConnectivityState.WorkOffline : ConnectivityState.Offline;
    }

    public ConnectivityState Connectivity { get; private set; }

    /// <summary>True while the app wants the live stream held open once caught up.</summary>
    public bool Live { get; set; }

    public bool WorkOffline { get; private set; }

    public int ConsecutiveFailures => _failures;

    public string? LastError { get; private set; }

    /// <summary>Set when the relay refused our credentials: retrying cannot help until the user signs in again.</summary>
    public bool CredentialsRejected { get; private set; }

    public SyncProgress Progress { get; private set; } = SyncProgress.None;

    /// <summary>The next step, given who is signed in and how many of their edits wait.</summary>
    /// <param name="userName">the signed-in user, or null when nobody is signed in</param>
    /// <param name="pendingOfUser">edits that user made that the relay has not acknowledged</param>
    public SyncStep Next(DateTimeOffset now, string? userName, long pendingOfUser)
    {
        if (WorkOffline)
        {
            return new SyncStep.Idle("work offline is on");
        }
        if (userName is null)
        {
            return new SyncStep.Idle("nobody is signed in");
        }
        if (CredentialsRejected)
        {
            return new SyncStep.Idle("the relay refused the credentials: " + LastError);
        }
        if (_retryAt is { } at && now < at)
        {
            return new SyncStep.Wait(at);
        }
        if (pendingOfUser > 0)
        {
            return new SyncStep.Push(userName);
        }
        if (_pullNeeded)
        {
            return new SyncStep.Pull();
        }
        return Live ? new SyncStep.Listen() : new SyncStep.Idle("caught up");
    }

    /// <summary>Asks for a full round now (user pressed sync, or the network came back): forgets the backoff.</summary>
    public void RequestSync()
    {
        _pullNeeded = true;
        _retryAt = null;
        CredentialsRejected = false;
    }

    public void SetWorkOffline(bool on)
    {
        WorkOffline = on;
        if (on)
        {
            Connectivity = ConnectivityState.WorkOffline;
        }
        else
        {
            // Not Online until the relay actually answers.
            Connectivity = ConnectivityState.Offline;
            RequestSync();
        }
    }

    public void OnPushAcknowledged(int ops, long bytes, long pendingAfter)
    {
        Succeeded();
        Progress = Progress with { OpsSent = Progress.OpsSent + ops, BytesSent = Progress.BytesSent + bytes, Pending = pendingAfter };
        // What we sent may have raised flags elsewhere; the pull brings the relay's view back.
        _pullNeeded = true;
    }

    public void OnPulled(int ops, long bytes, bool more, long pending)
    {
        Succeeded();
        Progress = Progress with { OpsReceived = Progress.OpsReceived + ops, BytesReceived = Progress.BytesReceived + bytes, Pending = pending };
        _pullNeeded = more;
    }

    /// <summary>A live stream delivered ops.</summary>
    public void OnLiveOps(int ops, long bytes, long pending) => OnPulled(ops, bytes, more: false, pending);

    /// <summary>A local edit was saved: it should go out on the next step.</summary>
    public void OnLocalEdit(long pending) => Progress = Progress with { Pending = pending };

    /// <summary>The relay could not be reached or broke off: back off with jitter.</summary>
    public void OnUnreachable(DateTimeOffset now, double random01, string error)
    {
        _failures++;
        LastError = error;
        _retryAt = now + _backoff.Delay(_failures, random01);
        if (!WorkOffline)
        {
            Connectivity = ConnectivityState.Offline;
        }
    }

    /// <summary>The relay answered but refused the credentials (revoked token): stop until the user signs in again.</summary>
    public void OnCredentialsRejected(string error)
    {
        LastError = error;
        CredentialsRejected = true;
    }

    /// <summary>A live stream ended without error (server restart, idle close): pull again.</summary>
    public void OnLiveEnded() => _pullNeeded = true;

    private void Succeeded()
    {
        _failures = 0;
        _retryAt = null;
        LastError = null;
        if (!WorkOffline)
        {
            Connectivity = ConnectivityState.Online;
        }
    }
}
