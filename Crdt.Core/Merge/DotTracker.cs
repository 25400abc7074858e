namespace Crdt.Core.Merge;

/// <summary>
/// The exact set of op dots folded into a DocumentSet. Per replica: a contiguous prefix
/// (1..upTo, the common case: a replica's own ops, or a peer's ops received in order) plus the
/// sequences seen beyond a gap (ops received out of order, or a replica's ops on documents
/// outside this store's scope).
/// </summary>
internal sealed class DotTracker
{
    private readonly Dictionary<ReplicaId, SeqSet> _replicas = [];
    // The replica looked up last and its set: a device's edits and a peer's batch come from one replica
    // in a row, so most lookups skip hashing the id (matched by string instance; a miss just hashes).
    private string? _lastReplica;
    private SeqSet? _lastSet;

    public bool Contains(Dot dot) => Find(dot.Replica) is { } set && set.Contains(dot.Seq);

    /// <summary>Adds the dot; false when it was already there.</summary>
    public bool Add(Dot dot)
    {
        var set = Find(dot.Replica);
        if (set is null)
        {
            set = new SeqSet();
            _replicas.Add(dot.Replica, set);
            (_lastReplica, _lastSet) = (dot.Replica.Value, set);
        }
        return set.Add(dot.Seq);
    }

    private SeqSet? Find(ReplicaId replica)
    {
        if (ReferenceEquals(replica.Value, _lastReplica))
        {
            return _lastSet;
        }
        if (!_replicas.TryGetValue(replica, out var set))
        {
            return null;
        }
        (_lastReplica, _lastSet) = (replica.Value, set);
        return set;
    }

    /// <summary>The highest sequence seen per replica.</summary>
    public VersionVector Maxima()
    {
        var vector = new VersionVector();
        foreach (var (replica, set) in _replicas)
        {
            vector.Observe(replica, set.Max);
        }
        return vector;
    }

    private sealed class SeqSet
    {
        private long _upTo;
        private HashSet<long>? _beyond;

        public long Max { get; private set; }

        public bool Contains(long seq) => seq <= _upTo || (_beyond is not null && _beyond.Contains(seq));

        public bool Add(long seq)
        {
            if (Contains(seq))
            {
                return false;
            }
            if (seq > Max)
            {
                Max = seq;
            }
            if (seq == _upTo + 1)
            {
                _upTo = seq;
                if (_beyond is { Count: > 0 })
                {
                    while (_beyond.Remove(_upTo + 1))
                    {
                        _upTo++;
                    }
                }
                return true;
            }
            (_beyond ??= []).Add(seq);
            return true;
        }
    }
}
