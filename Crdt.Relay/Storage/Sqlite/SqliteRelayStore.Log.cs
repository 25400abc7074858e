using Microsoft.Data.Sqlite;

namespace Crdt.Relay.Storage.Sqlite;

public sealed partial class SqliteRelayStore
{
    public Task<AppendResult> AppendAsync(string tenant, IReadOnlyList<OpRecord> ops, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ops);
        return WriteAsync(tx => AppendInTransaction(tenant, ops, tx), cancellationToken);
    }

    private AppendResult AppendInTransaction(string tenant, IReadOnlyList<OpRecord> ops, SqliteTransaction tx)
    {
        var positions = new long[ops.Count];
        var duplicates = new bool[ops.Count];
        EnsureTenant(tenant, DateTimeOffset.UtcNow, tx);

        using var insert = _writer.CreateCommand();
        insert.Transaction = tx;
        // The rowid (position) is max + 1, chosen under the write lock taken by BEGIN IMMEDIATE.
        insert.CommandText = """
            INSERT INTO ops(tenant, replica, seq, collection, doc_id, payload)
            VALUES($tenant, $replica, $seq, $collection, $doc, $payload)
            ON CONFLICT(tenant, replica, seq) DO NOTHING
            RETURNING position;
            """;
        var pTenant = insert.Parameters.Add("$tenant", SqliteType.Text);
        var pReplica = insert.Parameters.Add("$replica", SqliteType.Text);
        var pSeq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var pCollection = insert.Parameters.Add("$collection", SqliteType.Text);
        var pDoc = insert.Parameters.Add("$doc", SqliteType.Text);
        var pPayload = insert.Parameters.Add("$payload", SqliteType.Blob);
        pTenant.Value = tenant;
        insert.Prepare();

        using var existing = _writer.CreateCommand();
        existing.Transaction = tx;
        existing.CommandText = "SELECT position, payload FROM ops WHERE tenant = $tenant AND replica = $replica AND seq = $seq;";
        var eTenant = existing.Parameters.Add("$tenant", SqliteType.Text);
        var eReplica = existing.Parameters.Add("$replica", SqliteType.Text);
        var eSeq = existing.Parameters.Add("$seq", SqliteType.Integer);
        eTenant.Value = tenant;

        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            pReplica.Value = op.Replica;
            pSeq.Value = op.Sequence;
            pCollection.Value = op.Document.Collection;
            pDoc.Value = op.Document.Id;
            pPayload.Value = op.Payload;
            var inserted = insert.ExecuteScalar();
            if (inserted is long position)
            {
                positions[i] = position;
                continue;
            }

            eReplica.Value = op.Replica;
            eSeq.Value = op.Sequence;
            using var reader = existing.ExecuteReader();
            if (!reader.Read())
            {
                throw new InvalidOperationException($"op {op.Replica}:{op.Sequence} was neither inserted nor found");
            }
            var storedPayload = (byte[])reader.GetValue(1);
            if (!storedPayload.AsSpan().SequenceEqual(op.Payload))
            {
                // Thrown inside the transaction: WriteAsync disposes it uncommitted, so the
                // ops of this batch inserted before this one are rolled back too.
                throw new DotConflictException(op.Replica, op.Sequence, op.Document);
            }
            positions[i] = reader.GetInt64(0);
            duplicates[i] = true;
        }

        var head = Convert.ToInt64(Scalar(_writer, "SELECT coalesce(max(position), 0) FROM ops WHERE tenant = $t;", tx, ("$t", tenant)));
        return new AppendResult(positions, duplicates, head);
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
