using System.Collections.Concurrent;

namespace Crdt.Relay.Services;

/// <summary>
/// How many pushes the relay works on at once (from the decoded request to the acknowledgement); the
/// others wait here, costing nothing. A burst of devices syncing together (a hundred pushes in flight)
/// otherwise converts, checks and validates them all at once while commits still go one at a time per
/// tenant: the thread pool's queue fills with that work, and live streams' deliveries and Kestrel's
/// output wait behind it (docs/performance.md, issue 11). A push is admitted after its request body has
/// arrived, so a slow upload does not hold a place. One device's pushes take their places one at a time:
/// a device (stolen, or a buggy client) sending many pushes at once holds at most one place, so it
/// cannot fill the places every tenant shares and starve everyone else's pushes.
/// </summary>
internal sealed class PushAdmission(int limit)
{
    /// <summary>One more than the cores: one push committing, the others' CPU work kept busy beside it.</summary>
    public static int DefaultLimit => Environment.ProcessorCount + 1;

    private readonly SemaphoreSlim _places = new(limit, limit);

    // One entry per device that ever pushed (registered devices: a bounded set).
    private readonly ConcurrentDictionary<(string Tenant, string Device), SemaphoreSlim> _devices = new();

    public int Limit { get; } = limit;

    /// <summary>Runs <paramref name="push"/> from <paramref name="device"/> once the device's earlier pushes are done
    /// and a place is free (waiting ends with <paramref name="cancellationToken"/>).</summary>
    public async Task<T> RunAsync<T>((string Tenant, string Device) device, Func<Task<T>> push, CancellationToken cancellationToken)
    {
        var turn = _devices.GetOrAdd(device, _ => new SemaphoreSlim(1, 1));
        await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
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
        finally
        {
            turn.Release();
        }
    }
}
