using Crdt.Core.Merge;


namespace Crdt.Core.Compaction;

/// <summary>
/// Folds a document's causally stable ops into a base (issue 16, README "Bounded history"): drops
/// exactly what no op that can still arrive can make visible again, and keeps everything the
/// document's view, version and flags are derived from.
/// <para>
/// The caller promises, for the horizon <c>stable</c>: (1) the document holds every one of its ops
/// that <c>stable</c> covers; (2) every op applied later is not covered by it and has seen every op
/// of the document that it covers. An op is <em>covered</em> when <c>stable</c> covers its dot, and
/// <em>closed</em> when its causal context is covered too (it cannot have seen a later op).
/// </para>
/// What is dropped, and why it changes nothing observable:
/// <list type="bullet">
/// <item>A covered element addition some removal had seen: it stays removed whatever arrives (removals
/// are never undone), and removed additions are read by nothing.</item>
/// <item>A closed removal that covers no addition left: it can only remove covered additions (its
/// context is within the horizon), never one still to arrive.</item>
/// <item>A closed write of a field with history (review-on-conflict or status fields) that a higher,
/// covered, kept write of the same field has superseded, where that write also supersedes every write
/// the dropped one did, and sits in the same place as the dropped one for every held work element
/// (seen by it, or closing concurrently with it): the concurrent frontier, the register winner and
/// every "latest status seen" and "latest concurrent closer" stay the same; an op still to arrive
/// has seen both writes (promise 2), so it sees the kept one as it would have seen the dropped one.</item>
/// <item>The op record of a covered op that nothing kept refers to and that is no edit concurrent
/// with a delete of the document: ops still to arrive have seen it, so it is concurrent with none of
/// them, and the document's version keeps its dot.</item>
/// </list>
/// Register winners (every register keeps only its winner unless flags need its history), element
/// field values, the winning resolution of each flag and every delete are always kept.
/// </summary>
internal static class Compactor
{
    /// <summary>Compacts <paramref name="state"/> at <paramref name="stable"/>; returns how many op records were dropped.</summary>
    public static int Compact(DocumentState state, VersionVector stable)
    {
        bool Covered(Dot dot) => stable.Covers(dot);
        bool Closed(CausalRecord causal) => stable.Covers(causal.Dot) && Within(causal.Context, stable);

        // What the document's version holds below the horizon: the base it now stands for.
        var covered = new VersionVector();
        foreach (var record in state.Ops.Records())
        {
            if (Covered(record.Causal.Dot))
            {
                covered.Observe(record.Causal.Dot);
            }
        }
        if (covered.IsEmpty)
        {
            return 0;
        }

        foreach (var (field, register) in state.Fields)
        {
            if (register.History is { Count: > 1 } history)
            {
                PruneHistory(state, field, history, Covered, Closed);
            }
        }
        PruneElements(state, Covered, Closed);

        var referenced = Referenced(state);
        var dropped = state.Ops.Retain(record =>
            !Covered(record.Causal.Dot)
            || referenced.Contains(record.Causal.Dot)
            || (record.Kind == OpKind.Edit && ConcurrentWithADelete(state, record.Causal)));
        state.ExtendBase(covered, state.MaxHlc);
        return dropped;
    }

    /// <summary>True when every entry of <paramref name="context"/> is within <paramref name="stable"/>.</summary>
    private static bool Within(VersionVector context, VersionVector stable)
    {
        for (var i = 0; i < context.Count; i++)
        {
            if (context.SeqAt(i) > stable.Get(context.ReplicaAt(i)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>FlagDeriver's "superseded" relation: a later write of the same op, or a write whose op had seen the other's.</summary>
    private static bool Supersedes(in Write by, in Write write) =>
        by.Dot.Equals(write.Dot) ? by.Index > write.Index : by.Causal.HasSeen(write.Dot);

    private static void PruneHistory(DocumentState state, string field, List<Write> history, Func<Dot, bool> covered, Func<CausalRecord, bool> closed)
    {
        // The work additions a status write is judged against (FlagDeriver.WorkOnClosedOrders), per closing rule.
        var judged = new List<(ClosedStateRule Rule, List<CausalRecord> Adds)>();
        foreach (var rule in state.Schema?.ClosedStateRules ?? [])
        {
            if (rule.StatusField != field)
            {
                continue;
            }
            var adds = new List<CausalRecord>();
            foreach (var set in rule.WorkFields)
            {
                if (state.Sets.TryGetValue(set, out var elements))
                {
                    foreach (var element in elements.Values)
                    {
                        adds.AddRange(element.Adds);
                    }
                }
            }
            judged.Add((rule, adds));
        }

        // Highest first: a write can only be dropped in favour of a higher one whose fate is already decided.
        var order = Enumerable.Range(0, history.Count).OrderByDescending(i => history[i], Comparer<Write>.Create((a, b) => a.CompareTo(b))).ToList();
        var drop = new bool[history.Count];
        foreach (var i in order)
        {
            var write = history[i];
            if (!closed(write.Causal))
            {
                continue;
            }
            foreach (var j in order)
            {
                var witness = history[j];
                if (j == i || drop[j] || witness.CompareTo(write) <= 0 || !covered(witness.Dot) || !Supersedes(witness, write))
                {
                    continue;
                }
                if (StandsIn(history, i, j) && SamePlaceForEveryAdd(judged, write, witness))
                {
                    drop[i] = true;
                    break;
                }
            }
        }
        var kept = new List<Write>(history.Count);
        for (var i = 0; i < history.Count; i++)
        {
            if (!drop[i])
            {
                kept.Add(history[i]);
            }
        }
        history.Clear();
        history.AddRange(kept);
    }

    /// <summary>True when the witness supersedes every write the dropped one supersedes, so the frontier cannot change.</summary>
    private static bool StandsIn(List<Write> history, int dropped, int witness)
    {
        for (var k = 0; k < history.Count; k++)
        {
            if (k != dropped && k != witness && Supersedes(history[dropped], history[k]) && !Supersedes(history[witness], history[k]))
            {
                return false;
            }
        }
        return true;
    }

    private enum Place
    {
        Ignored,
        Seen,
        ConcurrentCloser,
    }

    /// <summary>Where FlagDeriver.WorkOnClosedOrders puts a status write for one addition.</summary>
    private static Place PlaceOf(ClosedStateRule rule, in Write status, in CausalRecord add)
    {
        if (status.Dot.Equals(add.Dot) && rule.IsClosing(status.Value))
        {
            return Place.Ignored;
        }
        if (status.Dot.Equals(add.Dot) || add.HasSeen(status.Dot))
        {
            return Place.Seen;
        }
        return rule.IsClosing(status.Value) && !status.Causal.HasSeen(add.Dot) ? Place.ConcurrentCloser : Place.Ignored;
    }

    /// <summary>
    /// True when, for every held work addition, the dropped write is ignored or sits in the same group
    /// (latest seen, latest concurrent closer) as the higher witness, so no group's maximum changes.
    /// </summary>
    private static bool SamePlaceForEveryAdd(List<(ClosedStateRule Rule, List<CausalRecord> Adds)> judged, in Write dropped, in Write witness)
    {
        foreach (var (rule, adds) in judged)
        {
            foreach (var add in adds)
            {
                var place = PlaceOf(rule, dropped, add);
                if (place != Place.Ignored && place != PlaceOf(rule, witness, add))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static void PruneElements(DocumentState state, Func<Dot, bool> covered, Func<CausalRecord, bool> closed)
    {
        foreach (var elements in state.Sets.Values)
        {
            List<string>? empty = null;
            foreach (var element in elements.Values)
            {
                element.Adds.RemoveAll(add => covered(add.Dot) && element.IsRemoved(add));
                element.Removes.RemoveAll(remove => closed(remove) && !element.Adds.Exists(add => remove.HasSeen(add.Dot)));
                if (element.Adds.Count == 0 && element.Removes.Count == 0 && element.Fields.Count == 0)
                {
                    (empty ??= []).Add(element.Id);
                }
            }
            foreach (var id in empty ?? [])
            {
                elements.Remove(id);
            }
        }
    }

    /// <summary>Every op some kept part of the state names (a snapshot refers to each by its op record).</summary>
    private static HashSet<Dot> Referenced(DocumentState state)
    {
        var dots = new HashSet<Dot>();
        void AddRegisters(Dictionary<string, Register> registers)
        {
            foreach (var register in registers.Values)
            {
                if (register.HasWinner)
                {
                    dots.Add(register.Winner.Dot);
                }
                foreach (var write in register.History ?? [])
                {
                    dots.Add(write.Dot);
                }
            }
        }
        AddRegisters(state.Fields);
        foreach (var elements in state.Sets.Values)
        {
            foreach (var element in elements.Values)
            {
                element.Adds.ForEach(add => dots.Add(add.Dot));
                element.Removes.ForEach(remove => dots.Add(remove.Dot));
                AddRegisters(element.Fields);
            }
        }
        foreach (var resolution in state.Resolutions.Values)
        {
            dots.Add(resolution.Causal.Dot);
        }
        state.Deletes.ForEach(delete => dots.Add(delete.Dot));
        return dots;
    }

    private static bool ConcurrentWithADelete(DocumentState state, in CausalRecord edit)
    {
        foreach (var delete in state.Deletes)
        {
            if (edit.ConcurrentWith(delete))
            {
                return true;
            }
        }
        return false;
    }
}
