using Npgsql;

namespace Crdt.Load;

/// <summary>A fresh PostgreSQL database for one load run on the server <c>--postgres</c> names,
/// dropped afterwards, so every run starts from an empty log.</summary>
internal sealed class LoadDatabase : IAsyncDisposable
{
    private readonly string _server;
    private readonly string _name;

    private LoadDatabase(string server, string name, string connectionString, string serverVersion)
    {
        _server = server;
        _name = name;
        ConnectionString = connectionString;
        ServerVersion = serverVersion;
    }

    public string ConnectionString { get; }

    public string ServerVersion { get; }

    public static async Task<LoadDatabase> CreateAsync(string server, CancellationToken cancellationToken)
    {
        var name = $"crdt_load_{Guid.NewGuid():N}"[..24];
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {name};", connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var database = new NpgsqlConnectionStringBuilder(server) { Database = name };
        return new LoadDatabase(server, name, database.ConnectionString, connection.PostgreSqlVersion.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE);", connection);
        await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
