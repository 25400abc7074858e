using Crdt.Core.Codec;
using Crdt.Core.Compaction;
using Crdt.Core.Merge;

namespace Crdt.Core;

/// <summary>Compaction of causally stable ops into a base (issue 16, README "Bounded history").</summary>
public sealed partial class DocumentSet
{
    // True once some document has a base: only then does Apply look the document up before the dot set.
    private bool _hasBases;

    /// <summary>
    /// Folds every document's ops that <paramref name="stable"/> covers into a base, dropping what can
    /// no longer be observed (overwritten history, removed elements, records nothing refers to); views,
    /// versions and flags stay exactly as they were, now and after any op that can still arrive.
    /// <para>
    /// <paramref name="stable"/> must be a causally stable horizon for this set: the set holds every op
    /// it covers, and every op applied later is not covered by it and has seen every op of its document
    /// it covers (the relay's horizon: what every registered device has acknowledged, see README).
    /// A horizon that breaks this promise can make later merges differ from an uncompacted replica.
    /// </para>
    /// </summary>
    public CompactionSummary Compact(VersionVector stable)
    {
        ArgumentNullException.ThrowIfNull(stable);
        var summary = new CompactionSummary();
        foreach (var state in _documents.Values)
        {
            summary = summary.Add(CompactState(state, stable));
        }
        return summary;
    }

    /// <summary>Compacts one document (see <see cref="Compact(VersionVector)"/>); nothing when it is not held.</summary>
    public CompactionSummary Compact(DocumentKey key, VersionVector stable)
    {
        ArgumentNullException.ThrowIfNull(stable);
        return _documents.TryGetValue(key, out var state) ? CompactState(state, stable) : new CompactionSummary();
    }

    /// <summary>
    /// The newest op folded into <paramref name="op"/>'s document's compacted base that the op has not
    /// seen (its context lacks it), or null when it saw all of them, the document has no base, or the op
    /// itself is already folded in (a repeat). An op that has not seen everything of its document's base
    /// was made concurrently with ops a stable horizon said no device could still be concurrent with:
    /// compacted and uncompacted replicas could merge it differently, so a relay refuses it rather than
    /// let replicas diverge (README "Bounded history").
    /// </summary>
    public Dot? UnseenCompactedOp(Op op)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (!_hasBases || !_documents.TryGetValue(op.Document, out var state) || state.Base is not { } compactedBase)
        {
            return null;
        }
        if (compactedBase.Covers(op.Dot))
        {
            return null;
        }
        foreach (var (replica, seq) in compactedBase.Entries)
        {
            if (!replica.Equals(op.Dot.Replica) && op.Context.Get(replica) < seq)
            {
                return new Dot(replica, seq);
            }
        }
        return null;
    }

    /// <summary>
    /// True when the set holds every op of <paramref name="replica"/> with a sequence from 1 to
    /// <paramref name="through"/>, applied or folded into a compacted base: what a relay must know
    /// before it counts a device's acknowledgement (an op of the replica missing below it could still
    /// arrive, under a horizon that already covers it).
    /// </summary>
    public bool HoldsEveryOp(ReplicaId replica, long through)
    {
        var held = _dots.PrefixOf(replica);
        if (through <= held)
        {
            return true;
        }
        if (_hasBases)
        {
            // Every op a base covers was held (a horizon is a prefix of what the set held) and may be
            // gone from the dot set since (a set loaded from bases never saw those ops).
            foreach (var state in _documents.Values)
            {
                if (state.Base is { } compactedBase)
                {
                    held = Math.Max(held, compactedBase.Get(replica));
                }
            }
        }
        for (var seq = held + 1; seq <= through; seq++)
        {
            if (!_dots.Contains(new Dot(replica, seq)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>How many op records the document holds (every op until it is compacted; 0 when unknown).</summary>
    public int OpRecordCount(DocumentKey key) => _documents.TryGetValue(key, out var state) ? state.Ops.Count : 0;

    /// <summary>The document's compacted base (a copy), or null when it was never compacted.</summary>
    public VersionVector? CompactedBaseOf(DocumentKey key) => _documents.TryGetValue(key, out var state) ? state.Base?.Clone() : null;

    /// <summary>
    /// The write of top-level field <paramref name="field"/> that currently wins by Hlc, with its stamp and
    /// value (null when the document or the field was never written): what a cache of a few register values
    /// needs to keep comparing later writes after the document was loaded from a compacted base.
    /// </summary>
    public (Dot Dot, Hlc Hlc, FieldValue Value)? WinningWrite(DocumentKey key, string field) =>
        _documents.TryGetValue(key, out var state) && state.Fields.TryGetValue(field, out var register) && register.HasWinner
            ? (register.Winner.Dot, register.Winner.Hlc, register.Winner.Value)
            : null;

    private CompactionSummary CompactState(DocumentState state, VersionVector stable)
    {
        var before = state.Ops.Count;
        Compactor.Compact(state, stable);
        _hasBases |= state.Base is not null;
        return new CompactionSummary(1, before, state.Ops.Count);
    }

    /// <summary>True when <paramref name="op"/> lies in its document's compacted base: folded in already (or dropped as dead).</summary>
    private bool IsInBase(Op op) =>
        _documents.TryGetValue(op.Document, out var state) && state.Base is { } compactedBase && compactedBase.Covers(op.Dot);

    /// <summary>
    /// Merges a snapshot when either side has a compacted base. For the ops a base covers, its holder's
    /// copy is authoritative: the compacted form of every one of them. So snapshot parts covered by our
    /// base are skipped (we folded those ops already, and may have dropped them as dead), and what we hold
    /// of ops the snapshot's base covers (and the delta's peer version does not) is replaced by the
    /// snapshot's parts; everything else merges as in the plain path (parts of ops we do not hold).
    /// </summary>
    private bool MergeCompactedSnapshot(SnapshotCodec.Parsed parsed)
    {
        var state = State(parsed.Key);
        var ours = state.Base;
        var theirs = parsed.Base;
        var peer = parsed.DeltaPeer;
        bool Ours(Dot dot) => ours is not null && ours.Covers(dot);
        bool Replaced(Dot dot) => theirs is not null && theirs.Covers(dot) && !Ours(dot) && (peer is null || !peer.Covers(dot));

        var accepted = new HashSet<Dot>();
        foreach (var record in parsed.Records)
        {
            var dot = record.Causal.Dot;
            if (!Ours(dot) && (Replaced(dot) || !_dots.Contains(dot)))
            {
                accepted.Add(dot);
            }
        }
        var widens = theirs is not null && (ours is null || ours.Compare(theirs) is VersionOrdering.Before or VersionOrdering.Concurrent);
        if (theirs is not null)
        {
            DropReplaced(state, Replaced);
        }

        foreach (var (field, write) in parsed.Fields)
        {
            if (accepted.Contains(write.Dot))
            {
                DocumentState.SetRegister(state.Fields, field, write, state.KeepsHistory(field));
            }
        }
        foreach (var (set, id, adds, removes, fields) in parsed.Elements)
        {
            var element = state.Element(set, id);
            element.Adds.AddRange(adds.Where(add => accepted.Contains(add.Dot)));
            element.Removes.AddRange(removes.Where(remove => accepted.Contains(remove.Dot)));
            foreach (var (field, write) in fields)
            {
                if (accepted.Contains(write.Dot))
                {
                    DocumentState.SetRegister(element.Fields, field, write, false);
                }
            }
        }
        foreach (var (flagId, resolution) in parsed.Resolutions)
        {
            if (accepted.Contains(resolution.Causal.Dot))
            {
                state.SetResolution(flagId, resolution);
            }
        }
        foreach (var record in parsed.Records)
        {
            if (!accepted.Contains(record.Causal.Dot))
            {
                continue;
            }
            if (record.Kind == OpKind.Delete)
            {
                state.AddDelete(record.Causal);
            }
            _dots.Add(record.Causal.Dot);
            state.AddOp(record, default);
        }
        if (theirs is not null)
        {
            state.ExtendBase(theirs, parsed.MaxHlc);
            _hasBases = true;
        }
        state.Touch(parsed.MaxHlc);
        var changed = accepted.Count > 0 || widens;
        foreach (var op in parsed.Ops)
        {
            changed |= Apply(op);
        }
        return changed;
    }

    /// <summary>Drops what we hold of the ops the incoming base replaces (registers without history and resolutions are maxima: they merge as they are).</summary>
    private static void DropReplaced(DocumentState state, Func<Dot, bool> replaced)
    {
        foreach (var register in state.Fields.Values)
        {
            register.History?.RemoveAll(write => replaced(write.Dot));
        }
        foreach (var elements in state.Sets.Values)
        {
            foreach (var element in elements.Values)
            {
                element.Adds.RemoveAll(add => replaced(add.Dot));
                element.Removes.RemoveAll(remove => replaced(remove.Dot));
            }
        }
        state.Deletes.RemoveAll(delete => replaced(delete.Dot));
        state.Ops.Retain(record => !replaced(record.Causal.Dot));
    }
}
