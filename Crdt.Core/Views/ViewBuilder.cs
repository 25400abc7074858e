using Crdt.Core.Flags;
using Crdt.Core.Merge;

namespace Crdt.Core.Views;

/// <summary>Builds the read model of a document from its state and its derived flags.</summary>
internal static class ViewBuilder
{
    public static DocumentView Build(DocumentState state, IReadOnlyList<Flag> flags)
    {
        var fieldList = new List<KeyValuePair<string, FieldValue>>(state.Fields.Count);
        foreach (var (name, register) in state.Fields)
        {
            if (register.HasWinner)
            {
                fieldList.Add(new KeyValuePair<string, FieldValue>(name, EffectiveValue(state, name, register, flags)));
            }
        }
        var fields = new SortedNameMap<FieldValue>(fieldList.ToArray());

        var elementFlags = new Dictionary<(string, string), Flag>();
        foreach (var flag in flags)
        {
            if (flag.Kind == FlagKind.WorkOnClosedOrder)
            {
                elementFlags[(flag.Field!, flag.ElementId!)] = flag;
            }
        }

        var setNames = new SortedSet<string>(state.Sets.Keys, StringComparer.Ordinal);
        if (state.Schema is { } schema)
        {
            foreach (var field in schema.Fields.Values)
            {
                if (field.Kind == FieldKind.OrSet)
                {
                    setNames.Add(field.Name);
                }
            }
        }
        var sets = new SortedDictionary<string, IReadOnlyList<ElementView>>(StringComparer.Ordinal);
        foreach (var set in setNames)
        {
            var list = new List<ElementView>();
            if (state.Sets.TryGetValue(set, out var elements))
            {
                foreach (var element in elements.Values.OrderBy(e => e.Id, StringComparer.Ordinal))
                {
                    if (!element.IsLive)
                    {
                        continue;
                    }
                    var counts = true;
                    string? flagId = null;
                    if (elementFlags.TryGetValue((set, element.Id), out var flag))
                    {
                        flagId = flag.Id;
                        var resolution = flag.Resolution is { } r ? FlagDeriver.Effective(flag.Kind, r) : (Resolution?)null;
                        if (resolution == Resolution.Discard)
                        {
                            continue;
                        }
                        counts = resolution == Resolution.Accept;
                    }
                    var values = new KeyValuePair<string, FieldValue>[element.Fields.Count];
                    var at = 0;
                    foreach (var (name, register) in element.Fields)
                    {
                        values[at++] = new KeyValuePair<string, FieldValue>(name, register.Winner.Value);
                    }
                    list.Add(new ElementView(element.Id, values.Length == 0 ? SortedNameMap<FieldValue>.Empty : new SortedNameMap<FieldValue>(values), counts, flagId));
                }
            }
            sets[set] = list;
        }

        var totals = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var total in state.Schema?.Totals ?? [])
        {
            decimal sum = 0;
            if (sets.TryGetValue(total.SetField, out var list))
            {
                foreach (var element in list)
                {
                    if (element.CountsInTotals && element[total.ElementField] is { IsNumber: true } amount)
                    {
                        sum = SaturatingAdd(sum, amount.AsDecimal());
                    }
                }
            }
            totals[total.Name] = sum;
        }

        return new DocumentView(state.Key, IsDeleted(state, flags), state.Version.Clone().Freeze(), fields, sets, totals, flags);
    }

    /// <summary>
    /// Values are bounded at write time so totals fit (see <see cref="ValueRules"/>); ops stored
    /// before those bounds existed must still not make a read throw, so a sum stops at the limit.
    /// </summary>
    private static decimal SaturatingAdd(decimal sum, decimal amount)
    {
        if (amount > 0 && sum > decimal.MaxValue - amount)
        {
            return decimal.MaxValue;
        }

        if (amount < 0 && sum < decimal.MinValue - amount)
        {
            return decimal.MinValue;
        }

        return sum + amount;
    }

    /// <summary>
    /// The register's winner, unless a ConcurrentEdit flag on the field was resolved keep-mine:
    /// the kept loser then counts as written at the resolution's time, and the latest wins.
    /// A workflow's status field follows its StatusConflict flags instead.
    /// </summary>
    private static FieldValue EffectiveValue(DocumentState state, string field, Register register, IReadOnlyList<Flag> flags)
    {
        if (state.Schema?.WorkflowOf(field) is not null)
        {
            return StatusConflicts.Effective(state, field, register, flags);
        }
        var best = register.Winner;
        foreach (var flag in flags)
        {
            if (flag.Kind != FlagKind.ConcurrentEdit || flag.Field != field || flag.Resolution is not { } r
                || FlagDeriver.Effective(flag.Kind, r) != Resolution.KeepMine || !state.Resolutions.TryGetValue(flag.Id, out var resolution))
            {
                continue;
            }
            var promoted = new Write(resolution.Causal, resolution.Hlc, resolution.Index, flag.LoserValue!);
            if (promoted.CompareTo(best) > 0)
            {
                best = promoted;
            }
        }
        return best.Value;
    }

    /// <summary>Deleted while some delete is not cancelled by a keep-mine resolution (of its EditOnDeleted flag) that had seen it.</summary>
    private static bool IsDeleted(DocumentState state, IReadOnlyList<Flag> flags)
    {
        foreach (var delete in state.Deletes)
        {
            var cancelled = false;
            foreach (var flag in flags)
            {
                if (flag.Kind == FlagKind.EditOnDeleted && flag.Resolution is { } r && FlagDeriver.Effective(flag.Kind, r) == Resolution.KeepMine
                    && state.Resolutions.TryGetValue(flag.Id, out var resolution) && resolution.Causal.HasSeen(delete.Dot))
                {
                    cancelled = true;
                    break;
                }
            }
            if (!cancelled)
            {
                return true;
            }
        }
        return false;
    }
}
