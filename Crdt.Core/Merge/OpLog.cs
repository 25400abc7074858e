namespace Crdt.Core.Merge;

/// <summary>
/// The causal records of every op folded into a document, stored as runs of consecutive ops that
/// share replica, context, author and kind (a device editing alone produces one long run), so the
/// apply path adds one sequence number per op instead of a whole record.
/// </summary>
internal sealed class OpLog
{
    private readonly List<Run> _runs = [];
    private Run? _last;

    public int Count { get; private set; }

    public void Add(in OpRecord record)
    {
        var causal = record.Causal;
        // The last run is held in a field: on a device's edit path this is the only run touched, and
        // reaching it through the list (list, array, run) was three cache misses per edit on a cold document.
        var last = _last;
        if (last is not null && last.Kind == record.Kind && last.Replica.Equals(causal.Dot.Replica)
            && (ReferenceEquals(last.Context, causal.Context) || last.Context.Equals(causal.Context))
            && string.Equals(last.Author, causal.Author, StringComparison.Ordinal))
        {
            last.Add(causal.Dot.Seq);
            Count++;
            return;
        }
        last = new Run(causal.Dot.Replica, causal.Context, causal.Author, record.Kind);
        last.Add(causal.Dot.Seq);
        _runs.Add(last);
        _last = last;
        Count++;
    }

    /// <summary>
    /// Adds the records of one snapshot op run at once (they share replica, context, author and kind):
    /// the same runs as adding them one by one, with the sequence list sized once.
    /// </summary>
    public void AddRun(ReadOnlySpan<OpRecord> run)
    {
        if (run.IsEmpty)
        {
            return;
        }
        var causal = run[0].Causal;
        var kind = run[0].Kind;
        Run target;
        if (_last is { } last && last.Kind == kind && last.Replica.Equals(causal.Dot.Replica)
            && (ReferenceEquals(last.Context, causal.Context) || last.Context.Equals(causal.Context))
            && string.Equals(last.Author, causal.Author, StringComparison.Ordinal))
        {
            target = last;
        }
        else
        {
            target = new Run(causal.Dot.Replica, causal.Context, causal.Author, kind);
            _runs.Add(target);
            _last = target;
        }
        target.EnsureCapacity(target.Count + run.Length);
        foreach (ref readonly var record in run)
        {
            target.Add(record.Causal.Dot.Seq);
        }
        Count += run.Length;
    }

    /// <summary>Keeps only the records <paramref name="keep"/> accepts (compaction); returns how many were dropped.</summary>
    public int Retain(Func<OpRecord, bool> keep)
    {
        var kept = Records().Where(keep).ToList();
        var dropped = Count - kept.Count;
        if (dropped == 0)
        {
            return 0;
        }
        _runs.Clear();
        _last = null;
        Count = 0;
        foreach (var record in kept)
        {
            Add(record);
        }
        return dropped;
    }

    /// <summary>
    /// Adds to <paramref name="into"/> the records of ops <paramref name="peer"/> does not cover (every
    /// record when null), in arrival order, reading the peer's entry once per run instead of once per op.
    /// Returns true when what it added is already sorted by dot (the usual case: one run per replica, in
    /// sequence order), so the caller can skip sorting.
    /// </summary>
    public bool CollectUncovered(VersionVector? peer, List<OpRecord> into)
    {
        if (peer is not null)
        {
            // Count first (a pass over plain numbers) so the list of records, structs with references
            // whose every regrowth is a copy with write barriers, is sized once.
            var count = 0;
            foreach (var run in _runs)
            {
                var covered = peer.Get(run.Replica);
                if (run.MaxSeq <= covered)
                {
                    continue;
                }
                foreach (var seq in run.Seqs)
                {
                    count += seq > covered ? 1 : 0;
                }
            }
            into.EnsureCapacity(into.Count + count);
        }
        else
        {
            into.EnsureCapacity(into.Count + Count);
        }
        var sorted = true;
        var hasPrevious = false;
        Dot previous = default;
        foreach (var run in _runs)
        {
            var covered = peer is null ? 0 : peer.Get(run.Replica);
            if (run.MaxSeq <= covered)
            {
                // The peer has the whole run (a delta's usual case for every run but the newest few).
                continue;
            }
            var seqs = run.Seqs;
            for (var i = 0; i < seqs.Length; i++)
            {
                var seq = seqs[i];
                if (seq <= covered)
                {
                    continue;
                }
                var dot = new Dot(run.Replica, seq);
                if (sorted && hasPrevious && !(previous.Replica.Equals(run.Replica) ? previous.Seq < seq : previous.CompareTo(dot) < 0))
                {
                    sorted = false;
                }
                previous = dot;
                hasPrevious = true;
                into.Add(new OpRecord(new CausalRecord(dot, run.Context, run.Author), run.Kind));
            }
        }
        return sorted;
    }

    /// <summary>Every record, in arrival order.</summary>
    public IEnumerable<OpRecord> Records()
    {
        foreach (var run in _runs)
        {
            for (var i = 0; i < run.Count; i++)
            {
                yield return new OpRecord(new CausalRecord(new Dot(run.Replica, run.SeqAt(i)), run.Context, run.Author), run.Kind);
            }
        }
    }

    private sealed class Run(ReplicaId replica, VersionVector context, string author, OpKind kind)
    {
        // Sequences in a plain array with a count: one object fewer between the run and its numbers than a List.
        private long[] _seqs = new long[4];
        private int _count;

        public ReplicaId Replica { get; } = replica;
        public VersionVector Context { get; } = context;
        public string Author { get; } = author;
        public OpKind Kind { get; } = kind;

        /// <summary>The run's sequences, in arrival order.</summary>
        public ReadOnlySpan<long> Seqs => _seqs.AsSpan(0, _count);

        public int Count => _count;

        // The highest of Seqs (sequences are positive): a delta skips a run the peer covers up to it without reading Seqs.
        public long MaxSeq { get; private set; }

        public long SeqAt(int index) => _seqs[index];

        public void Add(long seq)
        {
            if (_count == _seqs.Length)
            {
                Array.Resize(ref _seqs, _count * 2);
            }
            _seqs[_count++] = seq;
            if (seq > MaxSeq)
            {
                MaxSeq = seq;
            }
        }

        public void EnsureCapacity(int capacity)
        {
            if (_seqs.Length < capacity)
            {
                Array.Resize(ref _seqs, Math.Max(capacity, _seqs.Length * 2));
            }
        }
    }
}
