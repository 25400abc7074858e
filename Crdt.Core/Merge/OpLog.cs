namespace Crdt.Core.Merge;

/// <summary>
/// The causal records of every op folded into a document, stored as runs of consecutive ops that
/// share replica, context, author and kind (a device editing alone produces one long run), so the
/// apply path adds one sequence number per op instead of a whole record.
/// </summary>
internal sealed class OpLog
{
    // The open run (the one an op of the same replica, context, author and kind joins) is held in the log
    // itself and the closed runs as structs in a list made only when a second run starts: on a device's edit
    // path of a cold document, the log and the open run's sequence array are the only objects touched
    // (list, array and run object were three cache misses per edit before).
    private Run _open;
    private List<Run>? _closed;

    public int Count { get; private set; }

    public void Add(in OpRecord record)
    {
        var causal = record.Causal;
        if (!Joins(causal, record.Kind))
        {
            Open(causal, record.Kind, 4);
        }
        _open.Add(causal.Dot.Seq);
        Count++;
    }

    /// <summary>
    /// Adds the records of one snapshot op run at once (they share replica, context, author and kind):
    /// the same runs as adding them one by one, with the sequence array sized once.
    /// </summary>
    public void AddRun(ReadOnlySpan<OpRecord> run)
    {
        if (run.IsEmpty)
        {
            return;
        }
        var causal = run[0].Causal;
        var kind = run[0].Kind;
        if (!Joins(causal, kind))
        {
            Open(causal, kind, run.Length);
        }
        _open.EnsureCapacity(_open.Count + run.Length);
        foreach (ref readonly var record in run)
        {
            _open.Add(record.Causal.Dot.Seq);
        }
        Count += run.Length;
    }

    private bool Joins(in CausalRecord causal, OpKind kind)
    {
        var open = _open.Context;
        return open is not null && _open.Kind == kind && _open.Replica.Equals(causal.Dot.Replica)
            && (ReferenceEquals(open, causal.Context) || open.Equals(causal.Context))
            && string.Equals(_open.Author, causal.Author);
    }

    /// <summary>Closes the open run (if any) and opens an empty one for records like <paramref name="causal"/>.</summary>
    private void Open(in CausalRecord causal, OpKind kind, int capacity)
    {
        if (_open.Context is not null)
        {
            (_closed ??= []).Add(_open);
        }
        _open = new Run(causal.Dot.Replica, causal.Context, causal.Author, kind, capacity);
    }

    /// <summary>How many runs there are (the open one included).</summary>
    private int RunCount => (_closed?.Count ?? 0) + (_open.Context is null ? 0 : 1);

    /// <summary>Run <paramref name="index"/> in arrival order (the open run last).</summary>
    private Run RunAt(int index) => _closed is { } closed && index < closed.Count ? closed[index] : _open;

    /// <summary>Keeps only the records <paramref name="keep"/> accepts (compaction); returns how many were dropped.</summary>
    public int Retain(Func<OpRecord, bool> keep)
    {
        var kept = Records().Where(keep).ToList();
        var dropped = Count - kept.Count;
        if (dropped == 0)
        {
            return 0;
        }
        _closed = null;
        _open = default;
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
        var runs = RunCount;
        var peerEntry = new PeerEntry(peer);
        if (peer is not null)
        {
            // Count first (a pass over plain numbers) so the list of records, structs with references
            // whose every regrowth is a copy with write barriers, is sized once.
            var count = 0;
            for (var r = 0; r < runs; r++)
            {
                var run = RunAt(r);
                var covered = peerEntry.Get(run.Replica);
                if (run.MaxSeq <= covered)
                {
                    continue;
                }
                foreach (var seq in run.SeqSpan)
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
        for (var r = 0; r < runs; r++)
        {
            var run = RunAt(r);
            var covered = peerEntry.Get(run.Replica);
            if (run.MaxSeq <= covered)
            {
                // The peer has the whole run (a delta's usual case for every run but the newest few).
                continue;
            }
            var seqs = run.SeqSpan;
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

    /// <summary>
    /// The peer's entry for a replica, remembered for the last replica asked (by reference): a document's runs are
    /// mostly one replica's, each its own run when the ops' contexts differ (W1's edits: a hundred runs a document),
    /// and a lookup compares replica ids as strings.
    /// </summary>
    private struct PeerEntry(VersionVector? peer)
    {
        private string? _replica;
        private long _seq;

        public long Get(ReplicaId replica)
        {
            if (peer is null)
            {
                return 0;
            }
            if (!ReferenceEquals(replica.Value, _replica))
            {
                _seq = peer.Get(replica);
                _replica = replica.Value;
            }
            return _seq;
        }
    }

    /// <summary>Every record, in arrival order.</summary>
    public IEnumerable<OpRecord> Records()
    {
        var runs = RunCount;
        for (var r = 0; r < runs; r++)
        {
            var run = RunAt(r);
            for (var i = 0; i < run.Count; i++)
            {
                yield return new OpRecord(new CausalRecord(new Dot(run.Replica, run.Seqs[i]), run.Context, run.Author), run.Kind);
            }
        }
    }

    /// <summary>
    /// Consecutive ops sharing replica, context, author and kind: their sequences in a plain array with a
    /// count. A struct: closed runs sit in the log's list, the open one in the log itself.
    /// </summary>
    private struct Run(ReplicaId replica, VersionVector context, string author, OpKind kind, int capacity)
    {
        public readonly ReplicaId Replica = replica;
        public readonly VersionVector Context = context;
        public readonly string Author = author;
        public readonly OpKind Kind = kind;
        public long[] Seqs = new long[Math.Max(capacity, 1)];
        public int Count;

        // The highest of Seqs (sequences are positive): a delta skips a run the peer covers up to it without reading Seqs.
        public long MaxSeq;

        /// <summary>The run's sequences, in arrival order.</summary>
        public readonly ReadOnlySpan<long> SeqSpan => Seqs.AsSpan(0, Count);

        public void Add(long seq)
        {
            if (Count == Seqs.Length)
            {
                Array.Resize(ref Seqs, Count * 2);
            }
            Seqs[Count++] = seq;
            if (seq > MaxSeq)
            {
                MaxSeq = seq;
            }
        }

        public void EnsureCapacity(int capacity)
        {
            if (Seqs.Length < capacity)
            {
                Array.Resize(ref Seqs, Math.Max(capacity, Seqs.Length * 2));
            }
        }
    }
}
