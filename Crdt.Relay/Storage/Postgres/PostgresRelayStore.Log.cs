using Npgsql;
using NpgsqlTypes;

namespace Crdt.Relay.Storage.Postgres;

public sealed partial class PostgresRelayStore
{
    public Task<AppendResult> AppendAsync(string tenant, IReadOnlyList<OpRecord> ops, CancellationToken cancellationToken = default) =>
        AppendAsync(tenant, ops, claim: null, cancellationToken);

    public Task<AppendResult> AppendAsync(string tenant, IReadOnlyList<OpRecord> ops, ReplicaClaim? claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ops);
        return RunAsync(async connection =>
        {
            // Disposing without Commit rolls back: a refused batch leaves nothing, not even a tenant row.
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var replicas = ops.Select(o => o.Replica).Distinct(StringComparer.Ordinal).ToArray();
            var (head, owners, stored) = await LockAndReadAsync(connection, tx, tenant, ops, replicas, readOwners: claim is not null, cancellationToken)
                .ConfigureAwait(false);
            if (claim is not null)
            {
                await BindReplicasAsync(connection, tx, tenant, replicas, owners, claim, cancellationToken).ConfigureAwait(false);
            }

            var positions = new long[ops.Count];
            var duplicates = new bool[ops.Count];
            var fresh = new List<int>(ops.Count);
            var inBatch = new Dictionary<(string, long), int>();
            var next = head + 1;
            for (var i = 0; i < ops.Count; i++)
            {
                var op = ops[i];
                var dot = (op.Replica, op.Sequence);
                var seen = stored.TryGetValue(dot, out var existing);
                if (!seen && inBatch.TryGetValue(dot, out var first))
                {
                    existing = (positions[first], ops[first].Payload);
                    seen = true;
                }
                if (seen)
                {
                    // Thrown inside the transaction: nothing of this batch is committed.
                    if (!existing.Payload.AsSpan().SequenceEqual(op.Payload))
                    {
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
            if (fresh.Count > 0)
            {
                await InsertAsync(connection, tx, tenant, ops, positions, fresh, next - 1, cancellationToken).ConfigureAwait(false);
            }
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new AppendResult(positions, duplicates, next - 1);
        }, cancellationToken);
    }

    /// <summary>What an append needs to know before it chooses positions, read in one round trip:
    /// the tenant's head (creating the tenant when missing and locking its row until the transaction
    /// ends: every appender of the tenant passes here, so they run one at a time, in commit order),
    /// the owners of the batch's replica ids (when a claim is checked), and the batch's dots the tenant
    /// already holds. The statements run in order, so the last two read after the lock is held.</summary>
    private static async Task<(long Head, Dictionary<string, (string Device, byte[]? KeyHash)> Owners,
        Dictionary<(string Replica, long Sequence), (long Position, byte[] Payload)> Stored)> LockAndReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, string tenant, IReadOnlyList<OpRecord> ops, string[] replicas, bool readOwners,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, tx);
        var lockTenant = new NpgsqlBatchCommand("""
            INSERT INTO tenants(name, created_at) VALUES($1, $2)
            ON CONFLICT(name) DO UPDATE SET head = tenants.head
            RETURNING head;
            """);
        lockTenant.Parameters.Add(new NpgsqlParameter { Value = tenant });
        lockTenant.Parameters.Add(new NpgsqlParameter { Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        batch.BatchCommands.Add(lockTenant);
        if (readOwners)
        {
            var owners = new NpgsqlBatchCommand("SELECT replica, device, key_hash FROM replica_owners WHERE tenant = $1 AND replica = ANY($2);");
            owners.Parameters.Add(new NpgsqlParameter { Value = tenant });
            owners.Parameters.Add(new NpgsqlParameter { Value = replicas });
            batch.BatchCommands.Add(owners);
        }
        // One range per replica (a push usually carries one replica's consecutive sequences).
        var ranges = ops.GroupBy(o => o.Replica, StringComparer.Ordinal)
            .Select(g => (Replica: g.Key, Low: g.Min(o => o.Sequence), High: g.Max(o => o.Sequence))).ToArray();
        var dots = new NpgsqlBatchCommand("""
            SELECT o.replica, o.seq, o.position, o.payload
            FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS w(replica, lo, hi)
            JOIN ops o ON o.tenant = $1 AND o.replica = w.replica AND o.seq BETWEEN w.lo AND w.hi;
            """);
        dots.Parameters.Add(new NpgsqlParameter { Value = tenant });
        dots.Parameters.Add(new NpgsqlParameter { Value = ranges.Select(r => r.Replica).ToArray() });
        dots.Parameters.Add(new NpgsqlParameter { Value = ranges.Select(r => r.Low).ToArray() });
        dots.Parameters.Add(new NpgsqlParameter { Value = ranges.Select(r => r.High).ToArray() });
        batch.BatchCommands.Add(dots);

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var head = reader.GetInt64(0);
        var found = new Dictionary<string, (string, byte[]?)>(StringComparer.Ordinal);
        if (readOwners)
        {
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found[reader.GetString(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<byte[]>(2));
            }
        }
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var wanted = ops.Select(o => (o.Replica, o.Sequence)).ToHashSet();
        var stored = new Dictionary<(string, long), (long, byte[])>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var dot = (reader.GetString(0), reader.GetInt64(1));
            if (wanted.Contains(dot))
            {
                stored[dot] = (reader.GetInt64(2), reader.GetFieldValue<byte[]>(3));
            }
        }
        return (head, found, stored);
    }

    /// <summary>Binds the batch's unowned replica ids to the claim; a replica id the claim does not
    /// match fails the batch (see <see cref="IRelayStore.AppendAsync(string, IReadOnlyList{OpRecord}, ReplicaClaim?, CancellationToken)"/>).</summary>
    private static async Task BindReplicasAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string tenant, string[] replicas,
        Dictionary<string, (string Device, byte[]? KeyHash)> owners, ReplicaClaim claim, CancellationToken cancellationToken)
    {
        foreach (var replica in replicas)
        {
            if (!owners.TryGetValue(replica, out var owner))
            {
                await using var bind = Command(connection, tx, "INSERT INTO replica_owners(tenant, replica, device, key_hash) VALUES(@t, @r, @d, @k);",
                    ("t", tenant), ("r", replica), ("d", claim.Device));
                bind.Parameters.Add(new NpgsqlParameter("k", NpgsqlDbType.Bytea) { Value = (object?)claim.KeyHash ?? DBNull.Value });
                await bind.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (!claim.Matches(owner.Device, owner.KeyHash))
            {
                throw new ReplicaOwnedException(replica, owner.Device);
            }

            if (string.Equals(owner.Device, claim.Device, StringComparison.Ordinal) && owner.KeyHash is null && claim.KeyHash is not null)
            {
                // The owner shows a key for the first time (a replica that began sending one): remember it.
                await using var remember = Command(connection, tx, "UPDATE replica_owners SET key_hash = @k WHERE tenant = @t AND replica = @r;",
                    ("k", claim.KeyHash), ("t", tenant), ("r", replica));
                await remember.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Inserts the batch's new ops, moves the tenant's head and wakes the other relay processes
    /// (NOTIFY is delivered on commit): one round trip.</summary>
    private async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string tenant, IReadOnlyList<OpRecord> ops,
        long[] positions, List<int> fresh, long head, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, tx);
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO ops(tenant, position, replica, seq, collection, doc_id, payload)
            SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bytea[]);
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = tenant });
        insert.Parameters.Add(new NpgsqlParameter { Value = fresh.Select(i => positions[i]).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = fresh.Select(i => ops[i].Replica).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = fresh.Select(i => ops[i].Sequence).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = fresh.Select(i => ops[i].Document.Collection).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = fresh.Select(i => ops[i].Document.Id).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = fresh.Select(i => ops[i].Payload).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        batch.BatchCommands.Add(insert);
        var move = new NpgsqlBatchCommand("UPDATE tenants SET head = $1 WHERE name = $2;");
        move.Parameters.Add(new NpgsqlParameter { Value = head });
        move.Parameters.Add(new NpgsqlParameter { Value = tenant });
        batch.BatchCommands.Add(move);
        var notify = new NpgsqlBatchCommand($"SELECT pg_notify('{AppendChannel}', $1);");
        notify.Parameters.Add(new NpgsqlParameter { Value = _instance + " " + tenant });
        batch.BatchCommands.Add(notify);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<ReplicaOwner?> GetReplicaOwnerAsync(string tenant, string replica, CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            await using var command = Command(connection, "SELECT device, key_hash FROM replica_owners WHERE tenant = @t AND replica = @r;", ("t", tenant), ("r", replica));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new ReplicaOwner(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1))
                : null;
        }, cancellationToken);

    public Task<IReadOnlyList<LogEntry>> ReadLogAsync(string tenant, long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return RunAsync<IReadOnlyList<LogEntry>>(async connection =>
        {
            await using var command = Command(connection, """
                SELECT position, replica, seq, collection, doc_id, payload FROM ops
                WHERE tenant = @t AND position > @after ORDER BY position LIMIT @limit;
                """, ("t", tenant), ("after", afterPosition), ("limit", limit));
            var entries = new List<LogEntry>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                entries.Add(new LogEntry(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2),
                    new StoreDocumentKey(reader.GetString(3), reader.GetString(4)), reader.GetFieldValue<byte[]>(5)));
            }
            return entries;
        }, cancellationToken);
    }

    public Task<long> GetHeadAsync(string tenant, CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            await using var command = Command(connection, "SELECT coalesce((SELECT head FROM tenants WHERE name = @t), 0);", ("t", tenant));
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }, cancellationToken);
}
