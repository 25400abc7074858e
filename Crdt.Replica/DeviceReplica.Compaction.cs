using Crdt.Core;
using Crdt.Replica.Internal.Storage;
using Wire = Crdt.Core.Wire;

namespace Crdt.Replica;

/// <summary>
/// Bounded history on the device (README "Bounded history", issue 16): the relay tells the stable
/// horizon in its pulls; the replica folds what it covers into its documents' bases and keeps in its op
/// log only what it has not yet pushed (pending, refused) or what lies above the horizon.
/// </summary>
public sealed partial class DeviceReplica
{
    private const int CompactionBatch = 200;

    /// <summary>
    /// The automatic rule: compact after a sync once the horizon covers this many more ops (tenant-wide,
    /// the sum of its entries) than at the last compaction. Tests lower it.
    /// </summary>
    internal long AutoCompactAfterStableOps { get; set; } = 1_000;

    /// <summary>
    /// Folds every op the relay's last told stable horizon covers into its document's base and drops
    /// those ops from the op log, except this device's own ops the relay has not stored (pending or
    /// refused edits stay as they are). Documents, flags and everything a later merge decides stay the
    /// same. One transaction per batch of documents, so an interruption leaves each batch either as it
    /// was or compacted; the freed space is then given back to the file system. Also runs by itself after
    /// a sync once the horizon moved by 1,000 ops.
    /// </summary>
    public async Task<ReplicaCompaction> CompactAsync(CancellationToken cancellationToken = default) =>
        await LockedAsync(CompactLocked, cancellationToken).ConfigureAwait(false);

    /// <summary>Keeps the horizon a checkpoint told and compacts when it moved enough (see <see cref="AutoCompactAfterStableOps"/>).</summary>
    internal async Task OnStableHorizonAsync(Wire.VersionVector message, CancellationToken cancellationToken)
    {
        VersionVector stable;
        try
        {
            stable = Wire.CoreMessages.ToVersionVector(message, "the stable horizon from the relay");
        }
        catch (OpDecodeException)
        {
            // What the checkpoint delivered is saved already; a malformed horizon only means nothing is folded.
            return;
        }
        await LockedAsync(() =>
        {
            _store.SetSetting(SettingKeys.StableHorizon, Convert.ToBase64String(Google.Protobuf.MessageExtensions.ToByteArray(message)));
            var compactedAt = long.TryParse(_store.GetSetting(SettingKeys.CompactedStableOps), out var ops) ? ops : 0;
            if (AutoCompactAfterStableOps > 0 && OpsCovered(stable) - compactedAt >= AutoCompactAfterStableOps)
            {
                CompactLocked();
            }
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    private ReplicaCompaction CompactLocked()
    {
        var opsBefore = _store.OpCount();
        var bytesBefore = _store.FileBytes();
        if (StoredHorizon() is not { } told)
        {
            return new ReplicaCompaction(false, 0, opsBefore, opsBefore, bytesBefore, bytesBefore);
        }

        var keep = _store.UnsyncedDots();
        var stable = WithoutOwnUnsynced(told, keep);
        var compacted = 0;
        try
        {
            // A document's own ops above its stored snapshot (the tail a local edit leaves behind) are
            // only in the op log: fold them into the stored snapshots before any op row leaves it, since
            // a batch whose compaction drops no record writes no new snapshot.
            FoldSnapshotTails(wholeFile: true);
            foreach (var batch in _store.CompactableDocumentKeys().Chunk(CompactionBatch))
            {
                var changes = new List<DocumentChange>();
                foreach (var (collection, docId) in batch)
                {
                    var key = new DocumentKey(collection, docId);
                    _memory.Load(key);
                    var flagsBefore = _memory.FlagRowsOf(key);
                    if (_memory.Set.Compact(key, stable).RecordsDropped > 0)
                    {
                        changes.Add(_memory.Materialise(key, flagsBefore));
                    }
                }
                _store.CommitCompaction(changes, batch, stable, Id.Value, keep);
                compacted += changes.Count;
            }
        }
        catch
        {
            ResetMemory();
            throw;
        }
        _store.SetSetting(SettingKeys.CompactedStableOps, OpsCovered(told).ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Every document was loaded to be folded: let them load again on demand instead of holding them all.
        ResetMemory();
        _store.Reclaim();
        return new ReplicaCompaction(true, compacted, opsBefore, _store.OpCount(), bytesBefore, _store.FileBytes());
    }

    private VersionVector? StoredHorizon()
    {
        if (_store.GetSetting(SettingKeys.StableHorizon) is not { } text)
        {
            return null;
        }
        var stable = Wire.CoreMessages.ToVersionVector(Wire.VersionVector.Parser.ParseFrom(Convert.FromBase64String(text)), "the stored stable horizon");
        return stable.IsEmpty ? null : stable;
    }

    /// <summary>
    /// The horizon cut below this device's oldest pending or refused op: those only this file holds, so
    /// they must never be folded (a shared device's other person may push them after the horizon passed them).
    /// </summary>
    private VersionVector WithoutOwnUnsynced(VersionVector stable, IReadOnlySet<(string Replica, long Seq)> keep)
    {
        var oldest = keep.Where(dot => dot.Replica == Id.Value).Select(dot => dot.Seq).DefaultIfEmpty(long.MaxValue).Min();
        if (oldest > stable.Get(Id))
        {
            return stable;
        }
        var cut = new VersionVector(stable.Entries.Where(entry => entry.Key != Id));
        cut.Observe(Id, oldest - 1);
        return cut;
    }

    private static long OpsCovered(VersionVector stable) => stable.Entries.Sum(entry => entry.Value);
}
