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

    /// <summary>
    /// Adds the dots of one op run, all of one replica (a snapshot's run being loaded): the replica's
    /// set is looked up once for the run instead of once per op. Returns how many were new.
    /// </summary>
    public int AddRun(ReadOnlySpan<OpRecord> run)
    {
        if (run.IsEmpty)
        {
            return 0;
        }
        var replica = run[0].Causal.Dot.Replica;
        var set = Find(replica);
        if (set is null)
        {
            set = new SeqSet();
            _replicas.Add(replica, set);
            (_lastReplica, _lastSet) = (replica.Value, set);
        }
        var added = 0;
        foreach (ref readonly var record in run)
        {
            var dot = record.Causal.Dot;
            // A run is one replica's by construction; a record of another replica (never expected) goes the per-dot way.
            added += (ReferenceEquals(dot.Replica.Value, replica.Value) || dot.Replica.Equals(replica) ? set.Add(dot.Seq) : Add(dot)) ? 1 : 0;
        }
        return added;
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

    /// <summary>The end of the replica's unbroken run of sequences from 1 (0 when sequence 1 was not seen).</summary>
    public long PrefixOf(ReplicaId replica) => Find(replica) is { } set ? set.UpTo : 0;

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

    /// <summary>
    /// One replica's sequences: the prefix 1..upTo, and beyond it a bitmap (bit i: sequence base + i).
    /// A store loading documents one by one meets a replica's ops out of order (each document holds
    /// every thousandth sequence, say), so the part beyond the prefix is large and busy: a bit per
    /// sequence instead of a hash set entry, dropped word by word as the prefix passes it. Sequences
    /// further than <see cref="MaxBits"/> beyond the base (a replica whose ops this store sees sparsely)
    /// go to a hash set.
    /// </summary>
    private sealed class SeqSet
    {
        // 2^22 bits: 512 KiB at most per replica.
        private const long MaxBits = 1L << 22;

        private long _upTo;
        private ulong[] _bits = [];
        private long _base = 1;
        private HashSet<long>? _sparse;

        public long Max { get; private set; }

        public long UpTo => _upTo;

        public bool Contains(long seq) => seq <= _upTo || InBits(seq) || (_sparse is not null && _sparse.Contains(seq));

        public bool Add(long seq)
        {
            // The usual case (a replica's next op, in order, nothing held beyond the prefix): the prefix grows by one.
            if (seq == _upTo + 1 && _bits.Length == 0 && _sparse is null)
            {
                _upTo = seq;
                if (seq > Max)
                {
                    Max = seq;
                }
                return true;
            }
            if (Contains(seq))
            {
                return false;
            }
            if (seq > Max)
            {
                Max = seq;
            }
            if (seq != _upTo + 1)
            {
                SetBeyond(seq);
                return true;
            }
            _upTo = seq;
            while (true)
            {
                var next = _upTo + 1;
                if (InBits(next) || (_sparse is { Count: > 0 } && _sparse.Remove(next)))
                {
                    _upTo = next;
                }
                else
                {
                    break;
                }
            }
            DropPassedWords();
            return true;
        }

        private bool InBits(long seq)
        {
            var offset = seq - _base;
            return offset >= 0 && offset < (long)_bits.Length * 64 && (_bits[offset >> 6] & (1UL << (int)(offset & 63))) != 0;
        }

        private void SetBeyond(long seq)
        {
            var offset = seq - _base;
            if (offset >= 0 && offset < MaxBits)
            {
                var word = (int)(offset >> 6);
                if (word >= _bits.Length)
                {
                    Array.Resize(ref _bits, Math.Max(Math.Max(4, _bits.Length * 2), word + 1));
                }
                _bits[word] |= 1UL << (int)(offset & 63);
                return;
            }
            (_sparse ??= []).Add(seq);
        }

        /// <summary>Moves the bitmap's base up past the words the prefix has passed (their bits say nothing any more).</summary>
        private void DropPassedWords()
        {
            var passed = (_upTo + 1 - _base) >> 6;
            if (passed <= 0 || _bits.Length == 0)
            {
                return;
            }
            if (passed >= _bits.Length)
            {
                Array.Clear(_bits);
                _base += passed << 6;
                return;
            }
            // Shift only once half the bitmap is behind the prefix: each word moves O(1) times on average.
            if (passed * 2 < _bits.Length)
            {
                return;
            }
            var words = (int)passed;
            Array.Copy(_bits, words, _bits, 0, _bits.Length - words);
            Array.Clear(_bits, _bits.Length - words, words);
            _base += (long)words << 6;
        }
    }
}
