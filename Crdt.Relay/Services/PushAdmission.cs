namespace Crdt.Relay.Services;

/// <summary>
/// How many pushes the relay works on at once (from the decoded request to the acknowledgement); the
/// others wait here, costing nothing. A burst of devices syncing together (a hundred pushes in flight)
/// otherwise converts, checks and validates them all at once while commits still go one at a time per
/// tenant: the thread pool's queue fills with that work, and live streams' deliveries and Kestrel's
/// output wait behind it (docs/performance.md, issue 11). A push is admitted after its request body has
/// arrived, so a slow upload does not hold a place.
/// </summary>
internal sealed class PushAdmission(int limit)
{
    /// <summary>One more than the cores: one push committing, the others' CPU work kept busy beside it.</summary>
    public static int DefaultLimit => Environment.ProcessorCount + 1;

    private readonly SemaphoreSlim _places = new(limit, limit);

    public int Limit { get; } = limit;

    /// <summary>Runs <paramref name="push"/> once a place is free (waiting ends with <paramref name="cancellationToken"/>).</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> push, CancellationToken cancellationToken)
    {
        await _places.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await push().ConfigureAwait(false);
        }
        finally
        {
            _places.Release();
        }
    }
}
