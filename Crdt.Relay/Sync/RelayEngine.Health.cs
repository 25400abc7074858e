using System.Collections.Concurrent;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Sync;

/// <summary>
/// Whether the relay can serve everything it holds. Damage is loud and contained: the store's
/// integrity check at start-up, a tenant whose log cannot be read, and a call that hits a damaged
/// page each leave a problem here (health then reports NOT_SERVING), while healthy tenants go on
/// being served. A storage failure is answered DATA_LOSS or UNAVAILABLE with the store's words,
/// never UNKNOWN.
/// </summary>
internal sealed partial class RelayEngine
{
    private readonly ConcurrentDictionary<string, string> _problems = new(StringComparer.Ordinal);

    /// <summary>True while no damage is known: the store passed its check and every tenant loaded.</summary>
    public bool IsFullyHealthy => _problems.IsEmpty;

    /// <summary>What is wrong, one line each (empty when <see cref="IsFullyHealthy"/>).</summary>
    public IReadOnlyList<string> HealthProblems => _problems.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).ToList();

    /// <summary>Raised when a new problem is recorded (health turns NOT_SERVING), and when the database goes away or comes back.</summary>
    public event Action? HealthChanged;

    /// <summary>
    /// The refusal that answers a failure of the store under a call, null when <paramref name="exception"/>
    /// is something else. Damage is recorded (health) and logged once per kind.
    /// </summary>
    public RelayRefusal? StorageFault(Exception exception)
    {
        switch (exception)
        {
            case TenantFaultedException faulted:
                return new RelayRefusal(RefusalKind.DataLoss, faulted.Message);
            case StoreUnavailableException unavailable:
                // The database is away (PostgreSQL): nothing of the call was applied; retry later.
                // Health turns NOT_SERVING now; the probe turns it back (RelayEngine.Reachability.cs).
                SetDatabaseAway(unavailable.Message);
                return new RelayRefusal(RefusalKind.Unavailable, unavailable.Message);
            case var other when Store.DescribeFault(other) is { } fault:
                if (fault.DataLost)
                {
                    RecordProblem("store", fault.Message, other);
                }
                else
                {
                    Log.StoreFault(other, fault.Message);
                }

                return new RelayRefusal(fault.DataLost ? RefusalKind.DataLoss : RefusalKind.Unavailable, fault.Message);
            default:
                return null;
        }
    }

    /// <summary>Runs the store's integrity check (start-up): a damaged store is reported, not fatal.</summary>
    private async Task CheckStoreAsync(CancellationToken cancellationToken)
    {
        var problems = await Store.CheckIntegrityAsync(cancellationToken).ConfigureAwait(false);
        if (problems.Count > 0)
        {
            RecordProblem("store", $"{Store.Location} failed its integrity check (quick_check): {string.Join("; ", problems.Take(5))}" +
                (problems.Count > 5 ? $"; and {problems.Count - 5} more" : "") + "; the operator must restore it from a backup", null);
        }
    }

    /// <summary>A tenant whose log could not be read: recorded, and kept as the answer for its calls.</summary>
    private TenantFaultedException TenantFaulted(string tenant, string what, Exception cause)
    {
        var message = $"tenant '{tenant}' cannot be served: {what} in {Store.Location}; its data is unavailable until the operator " +
            "restores the database from a backup (other tenants are served)";
        RecordProblem("tenant " + tenant, message, cause);
        return new TenantFaultedException(tenant, message, cause);
    }

    private void RecordProblem(string key, string message, Exception? cause)
    {
        if (_problems.TryAdd(key, message))
        {
            Log.StoreDamaged(cause, message);
            HealthChanged?.Invoke();
        }
    }
}
