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
            if (claim is not null)
            {
                BindReplicas(tenant, ops, claim, tx);
            }

            return AppendInTransaction(tenant, ops, tx);
        }, cancellationToken);
    }

    /// <summary>Binds every replica id of the batch that has no owner yet to the claim, inside the
    /// append's transaction; a replica id the claim does not match fails the batch.</summary>
    private void BindReplicas(string tenant, IReadOnlyList<OpRecord> ops, ReplicaClaim claim, SqliteTransaction tx)
    {
        foreach (var replica in DistinctReplicas(ops))
        {
            if (IsKnownOwner(tenant, replica, claim))
            {
                continue;
            }

            var find = With(Prepared("SELECT device, key_hash FROM replica_owners WHERE tenant = $t AND replica = $r;", tx, "$t", "$r"), tenant, replica);
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
                With(Prepared("INSERT INTO replica_owners(tenant, replica, device, key_hash) VALUES($t, $r, $d, $k);", tx, "$t", "$r", "$d", "$k"),
                    tenant, replica, claim.Device, claim.KeyHash).ExecuteNonQuery();
                LearnOwner(tenant, replica, new ReplicaOwner(claim.Device, claim.KeyHash));
                continue;
            }
            // Thrown inside the transaction: nothing of this batch is committed.
            if (!claim.Matches(device, keyHash))
            {
                throw new ReplicaOwnedException(replica, device);
            }

            if (string.Equals(device, claim.Device, StringComparison.Ordinal) && keyHash is null && claim.KeyHash is not null)
            {
                // The owner shows a key for the first time (a replica that began sending one): remember it.
                Scalar(_writer, "UPDATE replica_owners SET key_hash = $k WHERE tenant = $t AND replica = $r;", tx,
                    ("$t", tenant), ("$r", replica), ("$k", claim.KeyHash));
                keyHash = claim.KeyHash;
            }
            LearnOwner(tenant, replica, new ReplicaOwner(device, keyHash));
        }
    }

    public Task<ReplicaOwner?> GetReplicaOwnerAsync(string tenant, string replica, CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        using var find = connection.CreateCommand();
        find.CommandText = "SELECT device, key_hash FROM replica_owners WHERE tenant = $t AND replica = $r;";
        find.Parameters.AddWithValue("$t", tenant);
        find.Parameters.AddWithValue("$r", replica);
        using var reader = find.ExecuteReader();
        return Task.FromResult(reader.Read() ? new ReplicaOwner(reader.GetString(0), reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1)) : null);
    }

    /// <summary>The batch's replica ids, each once (a push usually carries one).</summary>
    private static List<string> DistinctReplicas(IReadOnlyList<OpRecord> ops)
    {
        var replicas = new List<string>(1);
        foreach (var op in ops)
        {
            if (!replicas.Contains(op.Replica, StringComparer.Ordinal))
            {
                replicas.Add(op.Replica);
            }
        }
        return replicas;
    }

    private AppendResult AppendInTransaction(string tenant, IReadOnlyList<OpRecord> ops, SqliteTransaction tx)
    {
        var positions = new long[ops.Count];
        var duplicates = new bool[ops.Count];
        if (!_knownTenants.Contains(tenant))
        {
            With(Prepared("INSERT INTO tenants(name, created_at) VALUES($n, $at) ON CONFLICT(name) DO NOTHING;", tx, "$n", "$at"),
                tenant, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).ExecuteNonQuery();
            LearnTenant(tenant);
        }
        // A device pushes its own replica's ops in the order it made them: no dot can repeat in such a
        // batch, and a stored row finds its op by binary search. Only other batches pay for a dictionary.
        var ascending = IsOneReplicaAscending(ops);
        var firstIndex = ascending ? null : FirstIndexOfEachDot(ops);
        var stored = StoredDots(tenant, ops, firstIndex, tx);

        // Positions are chosen here, max + 1 upwards, under the write lock BEGIN IMMEDIATE took:
        // no other writer can choose positions until this transaction ends.
        var next = Convert.ToInt64(Prepared("SELECT coalesce(max(position), 0) FROM ops;", tx).ExecuteScalar()) + 1;
        var freshCount = 0;
        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            var first = firstIndex is null ? i : firstIndex[(op.Replica, op.Sequence)];
            // The dot's first op in the batch was settled already (stored or a duplicate): a repeat shares its fate.
            (long Position, byte[] Payload)? held = first != i ? (positions[first], ops[first].Payload) : stored?[i];
            if (held is { } existing)
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
            freshCount++;
        }

        var fresh = new int[freshCount];
        for (int i = 0, f = 0; i < ops.Count; i++)
        {
            if (!duplicates[i])
            {
                fresh[f++] = i;
            }
        }
        InsertOps(tenant, ops, positions, fresh);

        var head = freshCount > 0
            ? next - 1
            : Convert.ToInt64(With(Prepared("SELECT coalesce(max(position), 0) FROM ops WHERE tenant = $t;", tx, "$t"), tenant).ExecuteScalar());
        return new AppendResult(positions, duplicates, head);
    }

    private static bool IsOneReplicaAscending(IReadOnlyList<OpRecord> ops)
    {
        for (var i = 1; i < ops.Count; i++)
        {
            if (ops[i].Sequence <= ops[i - 1].Sequence || !string.Equals(ops[i].Replica, ops[0].Replica, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>For each dot of the batch, the index of its first op (a repeat maps to an earlier index).</summary>
    private static Dictionary<(string Replica, long Sequence), int> FirstIndexOfEachDot(IReadOnlyList<OpRecord> ops)
    {
        var first = new Dictionary<(string, long), int>(ops.Count);
        for (var i = 0; i < ops.Count; i++)
        {
            first.TryAdd((ops[i].Replica, ops[i].Sequence), i);
        }
        return first;
    }

    /// <summary>The stored row of each op of the batch the tenant already holds, by the op's index (at its
    /// dot's first index when <paramref name="firstIndex"/> is given), or null when it holds none: one range
    /// query per replica in the batch (a push usually carries one replica's consecutive sequences).</summary>
    private (long Position, byte[] Payload)?[]? StoredDots(string tenant, IReadOnlyList<OpRecord> ops,
        Dictionary<(string Replica, long Sequence), int>? firstIndex, SqliteTransaction tx)
    {
        (long, byte[])?[]? found = null;
        foreach (var replica in DistinctReplicas(ops))
        {
            var (lo, hi) = (long.MaxValue, long.MinValue);
            for (var i = 0; i < ops.Count; i++)
            {
                if (string.Equals(ops[i].Replica, replica, StringComparison.Ordinal))
                {
                    (lo, hi) = (Math.Min(lo, ops[i].Sequence), Math.Max(hi, ops[i].Sequence));
                }
            }
            var query = With(Prepared("SELECT seq, position, payload FROM ops WHERE tenant = $t AND replica = $r AND seq BETWEEN $lo AND $hi;",
                tx, "$t", "$r", "$lo", "$hi"), tenant, replica, lo, hi);
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                var seq = reader.GetInt64(0);
                var index = firstIndex is null ? IndexOfSequence(ops, seq)
                    : firstIndex.TryGetValue((replica, seq), out var first) ? first : -1;
                if (index >= 0)
                {
                    (found ??= new (long, byte[])?[ops.Count])[index] = (reader.GetInt64(1), (byte[])reader.GetValue(2));
                }
            }
        }
        return found;
    }

    /// <summary>The index of <paramref name="sequence"/> in a batch of ascending sequences, or -1.</summary>
    private static int IndexOfSequence(IReadOnlyList<OpRecord> ops, long sequence)
    {
        var (lo, hi) = (0, ops.Count - 1);
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (ops[mid].Sequence == sequence)
            {
                return mid;
            }

            if (ops[mid].Sequence < sequence)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return -1;
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
}
