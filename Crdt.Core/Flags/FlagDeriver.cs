using Crdt.Core.Merge;

namespace Crdt.Core.Flags;

/// <summary>
/// Derives a document's flags from its state alone (a pure function of its op set), sorted by
/// id, so every replica holding the same ops shows the same flags with the same ids.
/// Rules (DESIGN.md "Flag"):
/// <list type="bullet">
/// <item>ConcurrentEdit: among the writes of a review-on-conflict field, those no other write
/// had seen (the concurrent frontier); when it holds two or more distinct values, each one that
/// is not the highest Hlc is a loser and gets a flag (a later write that saw them settles it).</item>
/// <item>WorkOnClosedOrder: a live work element (hours, parts) one of whose additions is
/// concurrent with a closing status write, or whose author already saw the order closed.</item>
/// <item>EditOnDeleted: a delete with edits concurrent with it, one flag per delete.</item>
/// <item>StatusConflict: see <see cref="StatusConflicts"/>.</item>
/// </list>
/// </summary>
internal static class FlagDeriver
{
    public static List<Flag> Derive(DocumentState state)
    {
        var flags = new List<Flag>();
        if (state.Schema is { } schema)
        {
            ConcurrentEdits(state, schema, flags);
            WorkOnClosedOrders(state, schema, flags);
            StatusConflicts.Derive(state, schema, flags);
            Signatures.SignedContentFlags.Derive(state, flags);
        }
        EditsOnDeleted(state, flags);
        flags.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return flags;
    }

    /// <summary>The resolution a flag's winning resolution amounts to for its kind (see ops.proto Resolution).</summary>
    public static Resolution Effective(FlagKind kind, Resolution resolution) => kind switch
    {
        FlagKind.WorkOnClosedOrder => resolution is Resolution.KeepMine or Resolution.Accept ? Resolution.Accept : Resolution.Discard,
        _ => resolution == Resolution.KeepMine ? Resolution.KeepMine : Resolution.KeepTheirs,
    };

    private static void ConcurrentEdits(DocumentState state, CollectionSchema schema, List<Flag> flags)
    {
        foreach (var field in schema.Fields.Values)
        {
            if (!field.ReviewOnConflict || !state.Fields.TryGetValue(field.Name, out var register) || register.History is not { Count: > 1 } history)
            {
                continue;
            }
            var frontier = Frontier(history);
            if (frontier.Count < 2)
            {
                continue;
            }
            var winner = frontier[0];
            foreach (var write in frontier)
            {
                if (write.CompareTo(winner) > 0)
                {
                    winner = write;
                }
            }
            foreach (var loser in frontier)
            {
                if (loser.Dot.Equals(winner.Dot) || loser.Value.Equals(winner.Value))
                {
                    continue;
                }
                flags.Add(BetweenWrites(state, FlagKind.ConcurrentEdit, field.Name, winner, loser,
                    $"{Who(winner.Causal.Author)} and {Who(loser.Causal.Author)} changed '{field.Name}' at the same time: " +
                    $"'{Preview(winner.Value)}' is shown, '{Preview(loser.Value)}' is kept here; keep-mine restores it, keep-theirs drops it."));
            }
        }
    }

    /// <summary>The writes no other write had seen, one per op (the op's last write to the field).</summary>
    internal static List<Write> Frontier(List<Write> history)
    {
        var frontier = new List<Write>();
        for (var i = 0; i < history.Count; i++)
        {
            var write = history[i];
            var superseded = false;
            for (var j = 0; j < history.Count && !superseded; j++)
            {
                var other = history[j];
                superseded = other.Dot.Equals(write.Dot) ? other.Index > write.Index : other.Causal.HasSeen(write.Dot);
            }
            if (!superseded)
            {
                frontier.Add(write);
            }
        }
        return frontier;
    }

    private static void WorkOnClosedOrders(DocumentState state, CollectionSchema schema, List<Flag> flags)
    {
        foreach (var rule in schema.ClosedStateRules)
        {
            if (!state.Fields.TryGetValue(rule.StatusField, out var statusRegister) || statusRegister.History is not { Count: > 0 } statuses)
            {
                continue;
            }
            foreach (var set in rule.WorkFields)
            {
                if (!state.Sets.TryGetValue(set, out var elements))
                {
                    continue;
                }
                var total = schema.Totals.FirstOrDefault(t => t.SetField == set);
                foreach (var element in elements.Values)
                {
                    if (!element.IsLive)
                    {
                        continue;
                    }
                    var offending = new List<CausalRecord>();
                    Write? closer = null;
                    foreach (var add in element.Adds)
                    {
                        if (element.IsRemoved(add))
                        {
                            continue;
                        }
                        Write? seen = null;
                        Write? concurrentCloser = null;
                        foreach (var status in statuses)
                        {
                            if (status.Dot.Equals(add.Dot) && rule.IsClosing(status.Value))
                            {
                                // Logging work and closing in one edit is one person's consistent act.
                                continue;
                            }
                            if (status.Dot.Equals(add.Dot) || add.HasSeen(status.Dot))
                            {
                                if (seen is null || status.CompareTo(seen.Value) > 0)
                                {
                                    seen = status;
                                }
                            }
                            else if (rule.IsClosing(status.Value) && !status.Causal.HasSeen(add.Dot)
                                     && (concurrentCloser is null || status.CompareTo(concurrentCloser.Value) > 0))
                            {
                                concurrentCloser = status;
                            }
                        }
                        var against = concurrentCloser ?? (seen is { } s && rule.IsClosing(s.Value) ? s : null);
                        if (against is { } found)
                        {
                            offending.Add(add);
                            if (closer is null || found.CompareTo(closer.Value) > 0)
                            {
                                closer = found;
                            }
                        }
                    }
                    if (closer is not { } winner)
                    {
                        continue;
                    }
                    offending.Sort((a, b) => a.Dot.CompareTo(b.Dot));
                    var id = FlagIds.For(FlagKind.WorkOnClosedOrder, state.Key, set, element.Id, default);
                    var resolution = Resolved(state, id);
                    FieldValue? amount = null;
                    DateTimeOffset? amountAt = null;
                    if (total is not null && element.Fields.TryGetValue(total.ElementField, out var amountRegister))
                    {
                        amount = amountRegister.Winner.Value;
                        amountAt = amountRegister.Winner.Hlc.WallTime;
                    }
                    var adder = offending[0];
                    flags.Add(new Flag
                    {
                        Id = id,
                        Kind = FlagKind.WorkOnClosedOrder,
                        Document = state.Key,
                        Field = set,
                        ElementId = element.Id,
                        Dots = Sorted([winner.Dot, .. offending.Select(o => o.Dot)]),
                        WinnerDot = winner.Dot,
                        LoserDot = adder.Dot,
                        WinnerValue = winner.Value,
                        LoserValue = amount,
                        WinnerAuthor = winner.Causal.Author,
                        LoserAuthor = adder.Author,
                        // When the order was closed and when the entry's amount was written, so a
                        // person reads "logged 2.5 h at 10:12 after Sam completed it at 10:05".
                        WinnerAt = winner.Hlc.WallTime,
                        LoserAt = amountAt,
                        Message = $"{Who(adder.Author)} added {set} entry '{element.Id}'{(amount is null ? "" : $" ({amount})")} while {Who(winner.Causal.Author)} set " +
                                  $"'{rule.StatusField}' to '{Preview(winner.Value)}'; it does not count until accepted (or discard it).",
                        Resolution = resolution?.Resolution,
                        ResolvedBy = resolution?.Causal.Dot,
                        ResolvedByAuthor = resolution?.Causal.Author,
                    });
                }
            }
        }
    }

    private static void EditsOnDeleted(DocumentState state, List<Flag> flags)
    {
        foreach (var delete in state.Deletes)
        {
            List<CausalRecord>? edits = null;
            foreach (var op in state.Ops.Records())
            {
                if (op.Kind == OpKind.Edit && op.Causal.ConcurrentWith(delete))
                {
                    (edits ??= []).Add(op.Causal);
                }
            }
            if (edits is null)
            {
                continue;
            }
            edits.Sort((a, b) => a.Dot.CompareTo(b.Dot));
            var id = FlagIds.For(FlagKind.EditOnDeleted, state.Key, null, null, delete.Dot);
            var resolution = Resolved(state, id);
            var authors = string.Join(", ", edits.Select(e => Who(e.Author)).Distinct());
            flags.Add(new Flag
            {
                Id = id,
                Kind = FlagKind.EditOnDeleted,
                Document = state.Key,
                Dots = Sorted([delete.Dot, .. edits.Select(e => e.Dot)]),
                WinnerDot = delete.Dot,
                LoserDot = edits[0].Dot,
                WinnerAuthor = delete.Author,
                LoserAuthor = edits[0].Author,
                Message = $"{Who(delete.Author)} deleted {state.Key} while {authors} edited it ({edits.Count} edit(s)); keep-mine restores the document, keep-theirs keeps it deleted.",
                Resolution = resolution?.Resolution,
                ResolvedBy = resolution?.Causal.Dot,
                ResolvedByAuthor = resolution?.Causal.Author,
            });
        }
    }

    /// <summary>
    /// A flag between two writes of one field: the one shown (<paramref name="winner"/>) and the one
    /// kept aside, identified by the kept one's dot, with its resolution when one was made.
    /// Concurrent edits and status conflicts are both such flags.
    /// </summary>
    internal static Flag BetweenWrites(DocumentState state, FlagKind kind, string field, in Write winner, in Write loser, string message)
    {
        var id = FlagIds.For(kind, state.Key, field, null, loser.Dot);
        var resolution = Resolved(state, id);
        return new Flag
        {
            Id = id,
            Kind = kind,
            Document = state.Key,
            Field = field,
            Dots = Sorted([winner.Dot, loser.Dot]),
            WinnerDot = winner.Dot,
            LoserDot = loser.Dot,
            WinnerValue = winner.Value,
            LoserValue = loser.Value,
            WinnerAuthor = winner.Causal.Author,
            LoserAuthor = loser.Causal.Author,
            WinnerAt = winner.Hlc.WallTime,
            LoserAt = loser.Hlc.WallTime,
            Message = message,
            Resolution = resolution?.Resolution,
            ResolvedBy = resolution?.Causal.Dot,
            ResolvedByAuthor = resolution?.Causal.Author,
        };
    }

    internal static ResolutionState? Resolved(DocumentState state, string id) =>
        state.Resolutions.TryGetValue(id, out var resolution) ? resolution : null;

    internal static Dot[] Sorted(Dot[] dots)
    {
        Array.Sort(dots);
        return dots.Distinct().ToArray();
    }

    internal static string Who(string author) => string.IsNullOrEmpty(author) ? "someone" : author;

    internal static string Preview(FieldValue value)
    {
        var text = value.ToString();
        return text.Length <= 60 ? text : text[..60] + "…";
    }
}
