using Microsoft.Data.Sqlite;

namespace Crdt.Relay.Storage.Sqlite;

public sealed partial class SqliteRelayStore
{
    public Task<AppendResult> AppendAsync(string tenant, IReadOnlyList<OpRecord> ops, CancellationToken cancellationToken = default) =>
        AppendAsync(tenant, ops, claim: null, cancellationToken);

    public Task<AppendResult> AppendAsync(string tenant, IReadOnlyList<OpRecord> ops, ReplicaClaim? claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ops);
        return WriteAsync(tx =>
        {
            if (claim is not null) BindReplicas(tenant, ops, claim, tx);
            return AppendInTransaction(tenant, ops, tx);
        }, cancellationToken);
    }

    /// <summary>Binds every replica id of the batch that has no owner yet to the claim, inside the
    /// append's transaction; a replica id the claim does not match fails the batch.</summary>
    private void BindReplicas(string tenant, IReadOnlyList<OpRecord> ops, ReplicaClaim claim, SqliteTransaction tx)
    {
        foreach (var replica in ops.Select(o => o.Replica).Distinct(StringComparer.Ordinal))
        {
            using var find = _writer.CreateCommand();
            find.Transaction = tx;
            find.CommandText = "SELECT device, key_hash FROM replica_owners WHERE tenant = $t AND replica = $r;";
            find.Parameters.AddWithValue("$t", tenant);
            find.Parameters.AddWithValue("$r", replica);
            string? device = null;
            byte[]? keyHash = null;
            using (var reader = find.ExecuteReader())
            {
                if (reader.Read())
                {
                    device = reader.GetString(0);
                    keyHash = reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1);
                }
            }
            if (device is null)
            {
                Scalar(_writer, "INSERT INTO replica_owners(tenant, replica, device, key_hash) VALUES($t, $r, $d, $k);", tx,
                    ("$t", tenant), ("$r", replica), ("$d", claim.Device), ("$k", (object?)claim.KeyHash ?? DBNull.Value));
                continue;
            }
            var sameDevice = string.Equals(device, claim.Device, StringComparison.Ordinal);
            var sameKey = keyHash is not null && claim.KeyHash is not null && keyHash.AsSpan().SequenceEqual(claim.KeyHash);
            // Thrown inside the transaction: nothing of this batch is committed.
            if (!sameDevice && !sameKey) throw new ReplicaOwnedException(replica, device);
            if (sameDevice && keyHash is null && claim.KeyHash is not null)
            {
                // The owner shows a key for the first time (a replica that began sending one): remember it.
                Scalar(_writer, "UPDATE replica_owners SET key_hash = $k WHERE tenant = $t AND replica = $r;", tx,
                    ("$t", tenant), ("$r", replica), ("$k", claim.KeyHash));
            }
        }
    }

    public Task<string?> GetReplicaOwnerAsync(string tenant, string replica, CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        return Task.FromResult(Scalar(connection, "SELECT device FROM replica_owners WHERE tenant = $t AND replica = $r;", null, ("$t", tenant), ("$r", replica)) as string);
    }

    // Rows per INSERT statement: one statement per row costs more in statement overhead than in
    // SQLite itself. 7 parameters a row stays far below SQLite's parameter limit.
    private const int RowsPerInsert = 64;

    private AppendResult AppendInTransaction(string tenant, IReadOnlyList<OpRecord> ops, SqliteTransaction tx)
    {
        var positions = new long[ops.Count];
        var duplicates = new bool[ops.Count];
        EnsureTenant(tenant, DateTimeOffset.UtcNow, tx);
        var stored = StoredDots(tenant, ops, tx);

        // Positions are chosen here, max + 1 upwards, under the write lock BEGIN IMMEDIATE took:
        // no other writer can choose positions until this transaction ends.
        var next = Convert.ToInt64(Scalar(_writer, "SELECT coalesce(max(position), 0) FROM ops;", tx)) + 1;
        var fresh = new List<int>(ops.Count);
        var inBatch = new Dictionary<(string, long), int>();
        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            var dot = (op.Replica, op.Sequence);
            (long Position, byte[] Payload) existing = default;
            var seen = stored.TryGetValue(dot, out existing);
            if (!seen && inBatch.TryGetValue(dot, out var first))
            {
                existing = (positions[first], ops[first].Payload);
                seen = true;
            }
            if (seen)
            {
                if (!existing.Payload.AsSpan().SequenceEqual(op.Payload))
                {
                    // Thrown inside the transaction: nothing of this batch is committed.
                    throw new DotConflictException(op.Replica, op.Sequence, op.Document);
                }
                positions[i] = existing.Position;
                duplicates[i] = true;
                continue;
            }
            positions[i] = next++;
            inBatch[dot] = i;
            fresh.Add(i);
        }

        for (var start = 0; start < fresh.Count; start += RowsPerInsert)
        {
            var count = Math.Min(RowsPerInsert, fresh.Count - start);
            using var insert = _writer.CreateCommand();
            insert.Transaction = tx;
            var sql = new System.Text.StringBuilder("INSERT INTO ops(position, tenant, replica, seq, collection, doc_id, payload) VALUES ");
            insert.Parameters.AddWithValue("$tenant", tenant);
            for (var r = 0; r < count; r++)
            {
                var i = fresh[start + r];
                var op = ops[i];
                sql.Append(r == 0 ? "" : ",").Append($"($p{r}, $tenant, $r{r}, $s{r}, $c{r}, $d{r}, $b{r})");
                insert.Parameters.AddWithValue($"$p{r}", positions[i]);
                insert.Parameters.AddWithValue($"$r{r}", op.Replica);
                insert.Parameters.AddWithValue($"$s{r}", op.Sequence);
                insert.Parameters.AddWithValue($"$c{r}", op.Document.Collection);
                insert.Parameters.AddWithValue($"$d{r}", op.Document.Id);
                insert.Parameters.Add($"$b{r}", SqliteType.Blob).Value = op.Payload;
            }
            insert.CommandText = sql.Append(';').ToString();
            insert.ExecuteNonQuery();
        }

        var head = fresh.Count > 0
            ? positions[fresh[^1]]
            : Convert.ToInt64(Scalar(_writer, "SELECT coalesce(max(position), 0) FROM ops WHERE tenant = $t;", tx, ("$t", tenant)));
        return new AppendResult(positions, duplicates, head);
    }

    /// <summary>The dots of the batch the tenant already holds: one range query per replica in the
    /// batch (a push usually carries one replica's consecutive sequences).</summary>
    private Dictionary<(string Replica, long Sequence), (long Position, byte[] Payload)> StoredDots(string tenant, IReadOnlyList<OpRecord> ops, SqliteTransaction tx)
    {
        var found = new Dictionary<(string, long), (long, byte[])>();
        foreach (var group in ops.GroupBy(o => o.Replica, StringComparer.Ordinal))
        {
            var wanted = group.Select(o => o.Sequence).ToHashSet();
            using var query = _writer.CreateCommand();
            query.Transaction = tx;
            query.CommandText = "SELECT seq, position, payload FROM ops WHERE tenant = $t AND replica = $r AND seq BETWEEN $lo AND $hi;";
            query.Parameters.AddWithValue("$t", tenant);
            query.Parameters.AddWithValue("$r", group.Key);
            query.Parameters.AddWithValue("$lo", wanted.Min());
            query.Parameters.AddWithValue("$hi", wanted.Max());
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                var seq = reader.GetInt64(0);
                if (wanted.Contains(seq)) found[(group.Key, seq)] = (reader.GetInt64(1), (byte[])reader.GetValue(2));
            }
        }
        return found;
    }

    public async Task<IReadOnlyList<LogEntry>> ReadLogAsync(string tenant, long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT position, replica, seq, collection, doc_id, payload FROM ops
            WHERE tenant = $tenant AND position > $after ORDER BY position LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$tenant", tenant);
        command.Parameters.AddWithValue("$after", afterPosition);
        command.Parameters.AddWithValue("$limit", limit);
        var entries = new List<LogEntry>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            entries.Add(new LogEntry(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetInt64(2),
                new StoreDocumentKey(reader.GetString(3), reader.GetString(4)),
                (byte[])reader.GetValue(5)));
        }
        return entries;
    }

    public async Task<long> GetHeadAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await using var connection = OpenReader();
        return Convert.ToInt64(Scalar(connection, "SELECT coalesce(max(position), 0) FROM ops WHERE tenant = $t;", null, ("$t", tenant)));
    }

    public async Task<long> GetMaxSequenceAsync(string tenant, string replica, CancellationToken cancellationToken = default)
    {
        await using var connection = OpenReader();
        return Convert.ToInt64(Scalar(connection, "SELECT coalesce(max(seq), 0) FROM ops WHERE tenant = $t AND replica = $r;",
            null, ("$t", tenant), ("$r", replica)));
    }
}
