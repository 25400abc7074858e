using Crdt.Core.Merge;

namespace Crdt.Core.Flags;

/// <summary>
/// StatusConflict flags and the status they make the read model show (issue 17). Among a
/// workflow status field's writes no other write had seen (the concurrent frontier), the one
/// shown is the latest closing write when there is one (a cancelled order never reopens
/// silently), else the latest write. Every other frontier write with a different state is flagged
/// against it when one of the two closes the document or reopens one its author saw closed.
/// Writes that agree, or that are both ordinary progress steps, settle by time and are not flagged.
/// </summary>
internal static class StatusConflicts
{
    public static void Derive(DocumentState state, CollectionSchema schema, List<Flag> flags)
    {
        foreach (var workflow in schema.Workflows)
        {
            if (!state.Fields.TryGetValue(workflow.StatusField, out var register) || register.History is not { Count: > 1 } history)
            {
                continue;
            }
            var frontier = FlagDeriver.Frontier(history);
            if (frontier.Count < 2)
            {
                continue;
            }
            var shown = Shown(workflow, frontier);
            var shownSignificant = workflow.IsClosing(shown.Value) || Reopens(workflow, shown, history);
            foreach (var other in frontier)
            {
                if (other.Dot.Equals(shown.Dot) || other.Value.Equals(shown.Value)
                    || !(shownSignificant || workflow.IsClosing(other.Value) || Reopens(workflow, other, history)))
                {
                    continue;
                }
                flags.Add(Flag(state, workflow, shown, other));
            }
        }
    }

    /// <summary>
    /// The status the read model shows when StatusConflict flags are derived: the shown write
    /// while a flag is open, the side a resolution chose (counted as written at the resolution's
    /// time), else the latest of the frontier writes that are not held back.
    /// </summary>
    public static FieldValue Effective(DocumentState state, string field, Register register, IReadOnlyList<Flag> flags)
    {
        HashSet<Dot>? heldBack = null;
        Write? best = null;
        foreach (var flag in flags)
        {
            if (flag.Kind != FlagKind.StatusConflict || flag.Field != field)
            {
                continue;
            }
            var resolution = flag.Resolution is { } r ? FlagDeriver.Effective(flag.Kind, r) : (Resolution?)null;
            if (resolution != Resolution.KeepMine)
            {
                (heldBack ??= []).Add(flag.LoserDot!.Value);
            }
            if (resolution is { } chosen && state.Resolutions.TryGetValue(flag.Id, out var resolved))
            {
                var kept = new Write(resolved.Causal, resolved.Hlc, resolved.Index, chosen == Resolution.KeepMine ? flag.LoserValue! : flag.WinnerValue!);
                if (best is null || kept.CompareTo(best.Value) > 0)
                {
                    best = kept;
                }
            }
        }
        if (heldBack is null && best is null)
        {
            return register.Winner.Value;
        }
        foreach (var write in FlagDeriver.Frontier(register.History!))
        {
            if ((heldBack is null || !heldBack.Contains(write.Dot)) && (best is null || write.CompareTo(best.Value) > 0))
            {
                best = write;
            }
        }
        return best?.Value ?? register.Winner.Value;
    }

    private static Write Shown(StatusWorkflow workflow, List<Write> frontier)
    {
        Write? closing = null;
        var latest = frontier[0];
        foreach (var write in frontier)
        {
            if (write.CompareTo(latest) > 0)
            {
                latest = write;
            }
            if (workflow.IsClosing(write.Value) && (closing is null || write.CompareTo(closing.Value) > 0))
            {
                closing = write;
            }
        }
        return closing ?? latest;
    }

    /// <summary>True when <paramref name="write"/> leaves a closing state its author saw (the latest status write its op had seen).</summary>
    private static bool Reopens(StatusWorkflow workflow, in Write write, List<Write> history)
    {
        if (workflow.IsClosing(write.Value))
        {
            return false;
        }
        Write? seen = null;
        foreach (var earlier in history)
        {
            if (!earlier.Dot.Equals(write.Dot) && write.Causal.HasSeen(earlier.Dot) && (seen is null || earlier.CompareTo(seen.Value) > 0))
            {
                seen = earlier;
            }
        }
        return seen is { } s && workflow.IsClosing(s.Value);
    }

    private static Flag Flag(DocumentState state, StatusWorkflow workflow, in Write shown, in Write other)
    {
        return FlagDeriver.BetweenWrites(state, FlagKind.StatusConflict, workflow.StatusField, shown, other,
            $"{FlagDeriver.Who(shown.Causal.Author)} set '{workflow.StatusField}' to '{FlagDeriver.Preview(shown.Value)}' at {When(shown)} and " +
            $"{FlagDeriver.Who(other.Causal.Author)} to '{FlagDeriver.Preview(other.Value)}' at {When(other)}, neither seeing the other: " +
            $"'{FlagDeriver.Preview(shown.Value)}' is shown until resolved; keep-mine applies '{FlagDeriver.Preview(other.Value)}', keep-theirs keeps '{FlagDeriver.Preview(shown.Value)}'.");
    }

    private static string When(in Write write) => write.Hlc.WallTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
}
