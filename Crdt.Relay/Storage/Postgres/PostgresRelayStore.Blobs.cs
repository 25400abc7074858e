using Npgsql;

namespace Crdt.Relay.Storage.Postgres;

// What PostgresBlobStore needs of the store: its pooled connections, with a lost database
// reported as StoreUnavailableException like every other call.
public sealed partial class PostgresRelayStore
{
    internal Task<T> RunBlobAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken) => RunAsync(work, cancellationToken);

    internal static NpgsqlCommand BlobCommand(NpgsqlConnection connection, string sql, params (string Name, object? Value)[] parameters) =>
        Command(connection, sql, parameters);
}
