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
}
