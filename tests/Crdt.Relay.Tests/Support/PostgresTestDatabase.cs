using Npgsql;

namespace Crdt.Relay.Tests.Support;

/// <summary>
/// A fresh, empty database on the throwaway cluster that <c>scripts/test-services.sh</c> starts
/// (its connection string in <c>CRDT_TEST_POSTGRES</c>), dropped afterwards. Without the variable
/// the test fails and says how to get a cluster: PostgreSQL tests are never skipped.
/// </summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    public const string Variable = "CRDT_TEST_POSTGRES";

    private PostgresTestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    /// <summary>Connects to this database as the cluster's superuser.</summary>
    public string ConnectionString { get; }

    /// <summary>The cluster's connection string (database <c>postgres</c>).</summary>
    public static string ClusterConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{Variable} is not set, so there is no PostgreSQL to test against: run ./test.sh " +
                $"(it starts a throwaway cluster), or `scripts/test-services.sh OUT && . OUT/services.env` before dotnet test");

    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        var name = "crdt_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(ClusterConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name};", connection);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(ClusterConnectionString) { Database = name };
        return new PostgresTestDatabase(name, builder.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(ClusterConnectionString);
        await connection.OpenAsync();
        // FORCE ends connections a pool of the code under test may still hold.
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE);", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
