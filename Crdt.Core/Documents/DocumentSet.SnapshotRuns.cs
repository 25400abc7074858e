using System.Runtime.InteropServices;
using Crdt.Core.Codec;
using Crdt.Core.Merge;

namespace Crdt.Core;

public sealed partial class DocumentSet
{
    /// <summary>
    /// Folds every op record of <paramref name="parsed"/>, all new to this set, into
    /// <paramref name="state"/> run by run (one op-log append per run instead of one per op, as
    /// loading a stored document does for each of its ~100 ops); returns how many records it took,
    /// from the start of <see cref="SnapshotCodec.Parsed.Records"/>.
    /// </summary>
    private int AddRuns(DocumentState state, SnapshotCodec.Parsed parsed)
    {
        var records = CollectionsMarshal.AsSpan(parsed.Records);
        var start = 0;
        foreach (var length in parsed.RunLengths)
        {
            if (length > records.Length - start)
            {
                break;
            }
            var run = records.Slice(start, length);
            // A run's records share their kind: only a run of deletes has records to remember as deletes.
            if (!run.IsEmpty && run[0].Kind == OpKind.Delete)
            {
                foreach (ref readonly var record in run)
                {
                    state.AddDelete(record.Causal);
                }
            }
            _dots.AddRun(run);
            state.AddRun(run);
            start += length;
        }
        return start;
    }

    /// <summary>
    /// Sizes <paramref name="state"/>'s tables once for everything <paramref name="parsed"/> brings (all of it
    /// new: a document being loaded). Grown entry by entry, a dictionary allocates each of its sizes (3, 7, 17
    /// entries) and an element's list of additions four slots for its one addition; loading 1,000 documents
    /// allocated over a megabyte of such arrays, which pushes a load past the first GC generation's budget.
    /// </summary>
    private static void PresizeFor(DocumentState state, SnapshotCodec.Parsed parsed)
    {
        state.Fields.EnsureCapacity(state.Fields.Count + parsed.Fields.Count);
        var elements = parsed.Elements;
        for (var start = 0; start < elements.Count;)
        {
            // Elements come set by set: size each set's table for its stretch of them.
            var set = elements[start].Set;
            var end = start + 1;
            while (end < elements.Count && string.Equals(elements[end].Set, set, StringComparison.Ordinal))
            {
                end++;
            }
            if (!state.Sets.TryGetValue(set, out var table))
            {
                table = new Dictionary<string, ElementState>(end - start, StringComparer.Ordinal);
                state.Sets.Add(set, table);
            }
            else
            {
                table.EnsureCapacity(table.Count + end - start);
            }
            start = end;
        }
        foreach (var (set, id, adds, _, fields) in elements)
        {
            var element = state.Element(set, id);
            if (element.Adds.Capacity == 0)
            {
                element.Adds.Capacity = adds.Count;
            }
            element.Fields.EnsureCapacity(element.Fields.Count + fields.Count);
        }
    }
}
