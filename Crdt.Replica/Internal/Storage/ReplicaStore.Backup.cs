namespace Crdt.Replica.Internal.Storage;

internal sealed partial class ReplicaStore
{
    /// <summary>
    /// Restores a backup in one transaction: ops (deduplicated by dot), the documents as merged
    /// with what was already here, the pending ops back in the outbox, pins, the device id, and
    /// the local sequence moved past every op this device made (so no dot is ever reused).
    /// </summary>
    public void CommitImport(
        string deviceId,
        IReadOnlyList<StoredOp> ops,
        IReadOnlyList<PendingDot> pending,
        IReadOnlyList<DocumentChange> changes,
        IReadOnlyList<(string Collection, string DocId)> pins) => Write("import backup", tx =>
        {
            SetSetting(SettingKeys.DeviceId, deviceId, tx);
            var byDot = new Dictionary<(string, long), StoredOp>();
            foreach (var op in ops)
            {
                InsertOp(op, tx, ignoreExisting: true);
                byDot[(op.Replica, op.Seq)] = op;
            }
            foreach (var dot in pending)
            {
                if (!byDot.TryGetValue((dot.Replica, dot.Seq), out var op))
                {
                    continue;
                }
                using var outbox = _database.Command(
                    "INSERT OR IGNORE INTO outbox(replica, seq, user_name, collection, doc_id, bytes) VALUES($a, $s, $u, $c, $d, $b)", tx);
                outbox.Parameters.AddWithValue("$a", op.Replica);
                outbox.Parameters.AddWithValue("$s", op.Seq);
                outbox.Parameters.AddWithValue("$u", dot.UserName);
                outbox.Parameters.AddWithValue("$c", op.Collection);
                outbox.Parameters.AddWithValue("$d", op.DocId);
                outbox.Parameters.AddWithValue("$b", op.Bytes.Length);
                outbox.ExecuteNonQuery();
            }
            var ownMax = ops.Where(op => op.Replica == deviceId).Select(op => op.Seq).DefaultIfEmpty(0).Max();
            using (var sequence = _database.Command(
                """
                INSERT INTO local_sequence(replica, last_seq) VALUES($a, $s)
                ON CONFLICT(replica) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)
                """, tx))
            {
                sequence.Parameters.AddWithValue("$a", deviceId);
                sequence.Parameters.AddWithValue("$s", ownMax);
                sequence.ExecuteNonQuery();
            }
            foreach (var change in changes)
            {
                SaveDocument(change, tx);
            }
            foreach (var (collection, docId) in pins)
            {
                using var pin = _database.Command("INSERT OR IGNORE INTO pinned(collection, doc_id) VALUES($c, $d)", tx);
                pin.Parameters.AddWithValue("$c", collection);
                pin.Parameters.AddWithValue("$d", docId);
                pin.ExecuteNonQuery();
            }
        });
}
