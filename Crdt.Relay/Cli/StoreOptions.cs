using System.CommandLine;
using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Postgres;
using Crdt.Relay.Storage.Sqlite;

namespace Crdt.Relay.Cli;

/// <summary>Where a command finds the relay's data: the SQLite folder (<c>--data</c>, the default)
/// or a PostgreSQL database shared by several relays (<c>--postgres</c> or
/// <c>CRDT_RELAY_POSTGRES</c>).</summary>
internal static class StoreOptions
{
    public const string PostgresVariable = "CRDT_RELAY_POSTGRES";

    // The environment variable is read when the store is opened, not as the option's default:
    // a default would print the connection string, password included, in --help.
    public static Option<string?> Postgres() => new("--postgres")
    {
        Description = "Keep the relay's data in this PostgreSQL database (an Npgsql connection string such as " +
            "'Host=db;Port=5432;Database=crdt;Username=relay;Password=...') instead of the --data folder; every relay " +
            $"serving the same tenants names the same database. When not given: the {PostgresVariable} environment variable, else SQLite.",
    };

    /// <summary>The connection string the option or the environment names, or null for SQLite.</summary>
    public static string? PostgresFrom(string? option) =>
        option ?? (Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value ? value : null);

    /// <summary>Opens the store the options name. A connection string that does not parse, an
    /// unreachable server or a refused login is a usage error: one line naming host and port,
    /// never the password, exit code 2.</summary>
    /// <param name="mustExist">for commands on an existing relay (list, revoke): a SQLite folder
    /// with no relay in it is refused, so a mistyped --data does not silently create an empty relay.</param>
    /// <param name="created">told where a SQLite relay's data is created, when it is.</param>
    public static async Task<IRelayStore> OpenAsync(string dataDirectory, string? postgres, bool durableCommits, CancellationToken cancellationToken,
        bool mustExist = false, Action<string>? created = null)
    {
        postgres = PostgresFrom(postgres);
        if (postgres is null)
        {
            if (!File.Exists(SqliteRelayStore.DatabasePath(dataDirectory)))
            {
                if (mustExist)
                {
                    throw new CliUsageException($"--data '{dataDirectory}': no relay data there (run 'device add' or 'serve' to create one)");
                }

                created?.Invoke(Path.GetFullPath(dataDirectory));
            }
            return SqliteRelayStore.Open(dataDirectory, durableCommits);
        }
        try
        {
            return await PostgresRelayStore.OpenAsync(postgres, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreOpenException e)
        {
            throw new CliUsageException($"--postgres: {e.Message}");
        }
    }

    /// <summary>What the store is, for the start-up line.</summary>
    public static string Describe(IRelayStore store, string dataDirectory) => store switch
    {
        PostgresRelayStore postgres => $"postgres: {postgres.Server}",
        _ => $"data: {Path.GetFullPath(dataDirectory)}",
    };
}
