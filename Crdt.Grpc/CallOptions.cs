namespace Crdt.Grpc;

/// <summary>
/// Per-call settings: <c>new CallOptions { Timeout = TimeSpan.FromSeconds(5), Headers = new Metadata().Add("authorization", "Bearer " + token) }</c>.
/// </summary>
public readonly record struct CallOptions
{
    /// <summary>Request metadata sent as HTTP/2 headers.</summary>
    public Metadata? Headers { get; init; }

    /// <summary>A point in time (UTC) after which the call fails with DEADLINE_EXCEEDED; sent as <c>grpc-timeout</c>.</summary>
    public DateTime? Deadline { get; init; }

    /// <summary>A relative deadline, counted from the start of the call. When both are set the earlier wins.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Cancels the call (RST_STREAM CANCEL); the call then fails with CANCELLED.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Compress request messages with this <c>grpc-encoding</c> ("gzip" or "deflate"); overrides the channel default.</summary>
    public string? RequestCompression { get; init; }

    internal DateTime? EffectiveDeadline(DateTime utcNow)
    {
        DateTime? fromTimeout = Timeout is { } t ? (t == System.Threading.Timeout.InfiniteTimeSpan ? null : utcNow + t) : null;
        var deadline = Deadline?.ToUniversalTime();
        if (deadline == DateTime.MaxValue)
        {
            deadline = null;
        }

        if (deadline is null)
        {
            return fromTimeout;
        }

        return fromTimeout is null || deadline < fromTimeout ? deadline : fromTimeout;
    }
}
