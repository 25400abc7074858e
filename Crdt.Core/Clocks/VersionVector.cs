using System.Text;

namespace Crdt.Core;

/// <summary>
/// replica → highest sequence seen. Used both as the set of ops a replica has seen of a
/// document and as an op's causal context. Entries are kept sorted by replica, in small
/// arrays: vectors hold a handful of replicas, so scans beat hashing.
/// A vector can be frozen (<see cref="Freeze"/>): an <see cref="Op"/>'s context is frozen so
/// that it can be shared safely; mutating a frozen vector throws.
/// </summary>
public sealed class VersionVector : IEquatable<VersionVector>
{
    private static readonly VersionVector s_empty = new VersionVector().Freeze();

    // One array of (replica, sequence) pairs rather than two arrays: observing a dot reads the replica and
    // writes its sequence on the same cache line, and a document's vector is one object and one array,
    // each a cache miss on a cold document (every local edit observes its own dot).
    private Entry[] _entries;
    private int _count;

    /// <summary>An empty vector.</summary>
    public VersionVector()
    {
        _entries = [];
    }

    /// <summary>A vector holding the given entries (a replica given twice keeps its highest sequence).</summary>
    public VersionVector(IEnumerable<KeyValuePair<ReplicaId, long>> entries)
        : this()
    {
        foreach (var (replica, seq) in entries)
        {
            Observe(replica, seq);
        }
    }

    private VersionVector(Entry[] entries, int count)
    {
        _entries = entries;
        _count = count;
    }

    /// <summary>A shared, frozen empty vector.</summary>
    public static VersionVector Empty => s_empty;

    /// <summary>How many replicas have an entry.</summary>
    public int Count => _count;

    /// <summary>True when nothing is covered.</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>True once <see cref="Freeze"/> was called.</summary>
    public bool IsFrozen { get; private set; }

    /// <summary>The entries, sorted by replica.</summary>
    public IEnumerable<KeyValuePair<ReplicaId, long>> Entries
    {
        get
        {
            for (var i = 0; i < _count; i++)
            {
                yield return new KeyValuePair<ReplicaId, long>(_entries[i].Replica, _entries[i].Seq);
            }
        }
    }

    /// <summary>The replica at position <paramref name="index"/> (sorted order).</summary>
    internal ReplicaId ReplicaAt(int index) => _entries[index].Replica;

    /// <summary>The sequence at position <paramref name="index"/> (sorted order).</summary>
    internal long SeqAt(int index) => _entries[index].Seq;

    /// <summary>The highest sequence seen of <paramref name="replica"/> (0 when none).</summary>
    public long Get(ReplicaId replica)
    {
        var i = IndexOf(replica);
        return i >= 0 ? _entries[i].Seq : 0;
    }

    /// <summary>True when the op <paramref name="dot"/> is covered (its sequence is at most this vector's entry for its replica).</summary>
    public bool Covers(Dot dot) => dot.Seq <= Get(dot.Replica);

    /// <summary>Raises the entry of the dot's replica to at least the dot's sequence.</summary>
    public void Observe(Dot dot) => Observe(dot.Replica, dot.Seq);

    /// <summary>Raises the entry of <paramref name="replica"/> to at least <paramref name="seq"/>.</summary>
    public void Observe(ReplicaId replica, long seq)
    {
        ThrowIfFrozen();
        if (replica.IsEmpty)
        {
            throw new ArgumentException("a version vector entry needs a replica", nameof(replica));
        }
        if (seq <= 0)
        {
            return;
        }
        var i = IndexOf(replica);
        if (i >= 0)
        {
            ref var entry = ref _entries[i];
            if (entry.Seq < seq)
            {
                entry.Seq = seq;
            }
            return;
        }
        InsertAt(~i, replica, seq);
    }

    /// <summary>Raises every entry to at least <paramref name="other"/>'s (the least upper bound).</summary>
    public void Merge(VersionVector other)
    {
        for (var i = 0; i < other._count; i++)
        {
            Observe(other._entries[i].Replica, other._entries[i].Seq);
        }
    }

    /// <summary>How this vector relates to <paramref name="other"/>.</summary>
    public VersionOrdering Compare(VersionVector other)
    {
        bool ahead = false, behind = false;
        int i = 0, j = 0;
        while (i < _count || j < other._count)
        {
            int c = i >= _count ? 1 : j >= other._count ? -1 : _entries[i].Replica.CompareTo(other._entries[j].Replica);
            if (c < 0)
            {
                ahead = true;
                i++;
            }
            else if (c > 0)
            {
                behind = true;
                j++;
            }
            else
            {
                if (_entries[i].Seq > other._entries[j].Seq)
                {
                    ahead = true;
                }
                else if (_entries[i].Seq < other._entries[j].Seq)
                {
                    behind = true;
                }
                i++;
                j++;
            }
            if (ahead && behind)
            {
                return VersionOrdering.Concurrent;
            }
        }
        return ahead ? VersionOrdering.After : behind ? VersionOrdering.Before : VersionOrdering.Same;
    }

    /// <summary>A mutable copy.</summary>
    public VersionVector Clone() => new(_entries.AsSpan(0, _count).ToArray(), _count);

    /// <summary>A mutable copy without the entry of <paramref name="replica"/> (or the shared empty vector when nothing else is left).</summary>
    public VersionVector CloneWithout(ReplicaId replica)
    {
        var i = IndexOf(replica);
        if (i < 0)
        {
            return _count == 0 ? s_empty : Clone();
        }
        if (_count == 1)
        {
            return s_empty;
        }
        var entries = new Entry[_count - 1];
        Array.Copy(_entries, 0, entries, 0, i);
        Array.Copy(_entries, i + 1, entries, i, _count - i - 1);
        return new VersionVector(entries, _count - 1);
    }

    /// <summary>Makes this vector immutable and returns it.</summary>
    public VersionVector Freeze()
    {
        IsFrozen = true;
        return this;
    }

    /// <inheritdoc />
    public bool Equals(VersionVector? other)
    {
        if (other is null || other._count != _count)
        {
            return false;
        }
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        for (var i = 0; i < _count; i++)
        {
            if (_entries[i].Seq != other._entries[i].Seq || !_entries[i].Replica.Equals(other._entries[i].Replica))
            {
                return false;
            }
        }
        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as VersionVector);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        for (var i = 0; i < _count; i++)
        {
            hash.Add(_entries[i].Replica);
            hash.Add(_entries[i].Seq);
        }
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder("{");
        for (var i = 0; i < _count; i++)
        {
            sb.Append(i == 0 ? "" : ", ").Append(_entries[i].Replica.Value).Append(':').Append(_entries[i].Seq);
        }
        return sb.Append('}').ToString();
    }

    private int IndexOf(ReplicaId replica)
    {
        // Linear for the usual handful of replicas; the sorted order gives the insert position.
        // Ids usually share their string with the entry (one replica's ops carry one instance): a reference
        // check first spares comparing ids that differ only at the end ("bench-a" / "bench-b").
        var value = replica.Value;
        for (var i = 0; i < _count; i++)
        {
            var entry = _entries[i].Replica;
            if (ReferenceEquals(entry.Value, value))
            {
                return i;
            }
            var c = entry.CompareTo(replica);
            if (c == 0)
            {
                return i;
            }
            if (c > 0)
            {
                return ~i;
            }
        }
        return ~_count;
    }

    private void InsertAt(int index, ReplicaId replica, long seq)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, Math.Max(2, _count * 2));
        }
        Array.Copy(_entries, index, _entries, index + 1, _count - index);
        _entries[index] = new Entry(replica, seq);
        _count++;
    }

    private void ThrowIfFrozen()
    {
        if (IsFrozen)
        {
            throw new InvalidOperationException("this version vector is frozen (it is an op's causal context); Clone() it to change it");
        }
    }

    private struct Entry(ReplicaId replica, long seq)
    {
        public ReplicaId Replica = replica;
        public long Seq = seq;
    }
}
