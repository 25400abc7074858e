using Crdt.Core;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Sync;

/// <summary>
/// A tenant's stable horizon as a version vector, for the checkpoints of pulls (README "Bounded
/// history", "Devices compact too"). The horizon is a log position (the lowest acknowledgement of the
/// live devices); a device needs it as the ops it covers: per replica, the highest sequence at or below
/// the position, cut below that replica's lowest sequence above it (a replica's ops normally reach the
/// log in sequence order; the cut keeps the vector a prefix when they did not), plus what the
/// documents' compacted bases hold (the log no longer has those ops). This is the same vector
/// <see cref="Compaction.RelayCompactor"/> compacts with.
/// <para>
/// Computed when the horizon moves and kept until it moves again: the part of the log at or below the
/// horizon is read once (each move reads only what lies between the old and the new horizon), the part
/// above it on every move (the ops some device has not acknowledged yet).
/// </para>
/// </summary>
internal sealed class StableVectorTracker
{
    private const int ReadPage = 5_000;
    private readonly SemaphoreSlim _lock = new(1, 1);
    // Per replica: the highest sequence at a log position at or below _scanned.
    private readonly Dictionary<string, long> _below = new(StringComparer.Ordinal);
    private long _scanned;
    private long _position = -1;
    private VersionVector _vector = VersionVector.Empty;

    /// <summary>The vector of horizon position <paramref name="horizon"/>; <paramref name="bases"/> gives what the compacted bases cover.</summary>
    public async Task<VersionVector> AtAsync(string tenant, long horizon, IRelayStore store, Func<VersionVector> bases, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (horizon == _position)
            {
                return _vector;
            }
            if (horizon < _scanned)
            {
                // A device registered anew (it acknowledged nothing yet) lowered the horizon: start over.
                _below.Clear();
                _scanned = 0;
            }

            // Per replica: the lowest sequence above the horizon.
            var above = new Dictionary<string, long>(StringComparer.Ordinal);
            var cursor = _scanned;
            while (true)
            {
                var page = await store.ReadLogAsync(tenant, cursor, ReadPage, cancellationToken).ConfigureAwait(false);
                foreach (var entry in page)
                {
                    if (entry.Position <= horizon)
                    {
                        _below[entry.Replica] = Math.Max(_below.GetValueOrDefault(entry.Replica), entry.Sequence);
                    }
                    else
                    {
                        above[entry.Replica] = Math.Min(above.GetValueOrDefault(entry.Replica, long.MaxValue), entry.Sequence);
                    }
                }
                if (page.Count < ReadPage)
                {
                    break;
                }
                cursor = page[^1].Position;
            }
            _scanned = horizon;

            var vector = bases();
            foreach (var (replica, seq) in _below)
            {
                var cut = above.TryGetValue(replica, out var firstAbove) ? Math.Min(seq, firstAbove - 1) : seq;
                vector.Observe(new ReplicaId(replica), cut);
            }
            _position = horizon;
            _vector = vector.Freeze();
            return _vector;
        }
        finally
        {
            _lock.Release();
        }
    }
}
