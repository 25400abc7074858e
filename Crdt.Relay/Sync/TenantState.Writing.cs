using Crdt.Core;
using Crdt.Relay.Auth;
using Crdt.Relay.Policy;

namespace Crdt.Relay.Sync;

/// <summary>What writers ask of a tenant: exclusive use across a store append, validation of a batch
/// and the basis for an op the relay stamps, each answered under the tenant's own locks.</summary>
internal sealed partial class TenantState
{
    /// <summary>Runs <paramref name="write"/> as the tenant's only writer: state and log advance
    /// together and in the same order (store append, then <see cref="Apply"/>).</summary>
    public async Task<T> WriteExclusiveAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await write().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Checks a batch against the current state (throws <see cref="RelayRefusal"/> at the
    /// first bad op). Ops the tenant already holds are skipped unless <paramref name="validateDuplicates"/>.</summary>
    public void Validate(CallerIdentity caller, IReadOnlyList<Op> ops, IReadOnlySet<DocumentKey> pins, bool validateDuplicates)
    {
        lock (_gate)
        {
            var validator = new BatchValidator(this, caller, new ScopePolicy(this, pins));
            for (var i = 0; i < ops.Count; i++)
            {
                if (!validateDuplicates && Documents.Contains(ops[i].Dot))
                {
                    continue;
                }

                validator.Validate(ops[i], i);
            }
        }
    }

    /// <summary>What an op the relay stamps on <paramref name="key"/> starts from: the document's
    /// version (log position), its version vector as causal context, and the relay's next sequence.
    /// Current as long as the caller writes exclusively (<see cref="WriteExclusiveAsync{T}"/>).</summary>
    public (long Version, VersionVector Context, long Sequence) StampBasis(DocumentKey key)
    {
        lock (_gate)
        {
            return (VersionOf(key), Documents.VersionOf(key), NextRelaySequence);
        }
    }

    /// <summary>Throws PERMISSION_DENIED when the caller may not pin the document (<see cref="RolePolicy.CheckPin"/>).</summary>
    public void CheckPin(CallerIdentity caller, DocumentKey key)
    {
        lock (_gate)
        {
            RolePolicy.CheckPin(caller, this, key);
        }
    }
}
