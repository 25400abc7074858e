using Npgsql;

namespace Crdt.Relay.Storage.Postgres;

public sealed partial class PostgresRelayStore
{
    // The first key of the two-key advisory lock space, so tenant locks meet no other lock.
    private const int TenantLockClass = 0x43_52_44_54; // "CRDT"

    public async Task<IAsyncDisposable> LockTenantAsync(string tenant, CancellationToken cancellationToken)
    {
        NpgsqlConnection? connection = null;
        try
        {
            connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            // A session lock on its own connection: held across the caller's several statements and
            // released by the server if this process dies.
            await using var take = Command(connection, "SELECT pg_advisory_lock(@c, hashtext(@t));", ("c", TenantLockClass), ("t", tenant));
            await take.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new TenantLock(connection, tenant);
        }
        catch (Exception e)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            if (IsUnavailable(e) && !cancellationToken.IsCancellationRequested)
            {
                throw new StoreUnavailableException($"the PostgreSQL database at {Server} is unavailable: {Reason(e)}", e);
            }

            throw;
        }
    }

    private sealed class TenantLock(NpgsqlConnection connection, string tenant) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var release = Command(connection, "SELECT pg_advisory_unlock(@c, hashtext(@t));", ("c", TenantLockClass), ("t", tenant));
                await release.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (IsUnavailable(e))
            {
                // The connection is gone, and the server released the lock with it.
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
