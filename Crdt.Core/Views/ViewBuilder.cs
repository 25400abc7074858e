using Crdt.Core.Flags;
using Crdt.Core.Merge;

namespace Crdt.Core.Views;

/// <summary>Builds the read model of a document from its state and its derived flags.</summary>
internal static class ViewBuilder
{
    public static DocumentView Build(DocumentState state, IReadOnlyList<Flag> flags)
    {
        // Every map of the view is one array sorted by name (SortedNameMap): reading 1,000 freshly loaded
        // documents builds 1,000 views, and sorted trees, LINQ sorts and grown lists were most of what it allocated.
        var fieldEntries = new KeyValuePair<string, FieldValue>[state.Fields.Count];
        var fieldCount = 0;
        foreach (var (name, register) in state.Fields)
        {
            if (register.HasWinner)
            {
                fieldEntries[fieldCount++] = new KeyValuePair<string, FieldValue>(name, EffectiveValue(state, name, register, flags));
            }
        }
        if (fieldCount < fieldEntries.Length)
        {
            Array.Resize(ref fieldEntries, fieldCount);
        }
        var fields = fieldCount == 0 ? SortedNameMap<FieldValue>.Empty : new SortedNameMap<FieldValue>(fieldEntries);

        // Only a WorkOnClosedOrder flag names an element; most documents have none, and then no table is built.
        Dictionary<(string, string), Flag>? elementFlags = null;
        foreach (var flag in flags)
        {
            if (flag.Kind == FlagKind.WorkOnClosedOrder)
            {
                (elementFlags ??= [])[(flag.Field!, flag.ElementId!)] = flag;
            }
        }

        var setNames = SetNames(state);
        var setEntries = new KeyValuePair<string, IReadOnlyList<ElementView>>[setNames.Count];
        for (var s = 0; s < setNames.Count; s++)
        {
            var set = setNames[s];
            setEntries[s] = new KeyValuePair<string, IReadOnlyList<ElementView>>(set,
                state.Sets.TryGetValue(set, out var elements) ? LiveElements(set, elements, elementFlags) : Array.Empty<ElementView>());
        }
        var sets = new SortedNameMap<IReadOnlyList<ElementView>>(setEntries);

        var totals = SortedNameMap<decimal>.Empty;
        if (state.Schema is { Totals.Count: > 0 } withTotals)
        {
            var totalEntries = new KeyValuePair<string, decimal>[withTotals.Totals.Count];
            var totalCount = 0;
            foreach (var total in withTotals.Totals)
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
                // A later total of the same name replaces an earlier one, as the dictionary's indexer did.
                var at = 0;
                while (at < totalCount && totalEntries[at].Key != total.Name)
                {
                    at++;
                }
                totalEntries[at == totalCount ? totalCount++ : at] = new KeyValuePair<string, decimal>(total.Name, sum);
            }
            if (totalCount < totalEntries.Length)
            {
                Array.Resize(ref totalEntries, totalCount);
            }
            totals = new SortedNameMap<decimal>(totalEntries);
        }

        return new DocumentView(state.Key, IsDeleted(state, flags), state.Version.Clone().Freeze(), fields, sets, totals, flags);
    }

    /// <summary>The OR-sets a view shows: every set of the state and every one the schema declares, each once.</summary>
    private static List<string> SetNames(DocumentState state)
    {
        var names = new List<string>(state.Sets.Count + 4);
        names.AddRange(state.Sets.Keys);
        if (state.Schema is { } schema)
        {
            foreach (var field in schema.Fields.Values)
            {
                if (field.Kind == FieldKind.OrSet && !state.Sets.ContainsKey(field.Name))
                {
                    names.Add(field.Name);
                }
            }
        }
        return names;
    }

    private static readonly Comparison<ElementView> s_byId = (a, b) => string.CompareOrdinal(a.Id, b.Id);

    /// <summary>The live elements of one set as views, sorted by id; a discarded WorkOnClosedOrder element is left out.</summary>
    private static List<ElementView> LiveElements(string set, Dictionary<string, ElementState> elements, Dictionary<(string, string), Flag>? elementFlags)
    {
        var list = new List<ElementView>(elements.Count);
        foreach (var element in elements.Values)
        {
            if (!element.IsLive)
            {
                continue;
            }
            var counts = true;
            string? flagId = null;
            if (elementFlags is not null && elementFlags.TryGetValue((set, element.Id), out var flag))
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
        if (list.Count > 1)
        {
            list.Sort(s_byId);
        }
        return list;
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
