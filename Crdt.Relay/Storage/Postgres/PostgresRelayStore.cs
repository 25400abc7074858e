using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace Crdt.Relay.Storage.Postgres;

/// <summary>
/// The relay store on PostgreSQL, for several relay processes on one database. Log positions are
/// per tenant and drawn from the tenant's row (<c>tenants.head</c>), which an append locks for its
/// whole transaction: a tenant's appenders run one after the other and each sees the previous one
/// committed, so positions become visible exactly in position order (the no-skip guarantee of
/// <see cref="IRelayStore"/>) and leave no gaps. Every append also sends a <c>NOTIFY</c> on commit,
/// which wakes the other processes (<see cref="ISharedRelayStore"/>).
/// </summary>
/// <remarks>Lost connections and a database that is down surface as
/// <see cref="StoreUnavailableException"/> (retry later; nothing applied); Npgsql's pool drops the
/// broken connections, so the store recovers by itself when the database is back.</remarks>
public sealed partial class PostgresRelayStore : ISharedRelayStore
{
    /// <summary>The NOTIFY channel appends announce themselves on.</summary>
    internal const string AppendChannel = "crdt_relay_log";

    private readonly NpgsqlDataSource _source;
    // Tells this process's own wake-ups from those of other processes on the same database.
    private readonly string _instance = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    private PostgresRelayStore(NpgsqlDataSource source, string server)
    {
        _source = source;
        Server = server;
    }

    /// <summary>host:port/database of the server, for messages (never the credentials).</summary>
    public string Server { get; }

    /// <summary>
    /// Opens the store on <paramref name="connectionString"/>, creating or migrating its tables
    /// (under an advisory lock, so nodes starting together migrate once). Throws
    /// <see cref="StoreOpenException"/> with one line naming host and port when the string does
    /// not parse, the server cannot be reached or refuses the login, or the database was written
    /// by a newer relay.
    /// </summary>
    public static async Task<PostgresRelayStore> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            // Npgsql's message names the bad keyword, never a value.
            throw new StoreOpenException($"the PostgreSQL connection string does not parse: {e.Message}", e);
        }
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new StoreOpenException("the PostgreSQL connection string names no Host");
        }

        var server = $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username ?? "postgres"}";
        builder.ApplicationName ??= "crdt-relay";
        // Fail fast on an unreachable server instead of Npgsql's 15 s default.
        if (!connectionString.Contains("Timeout", StringComparison.OrdinalIgnoreCase))
        {
            builder.Timeout = 5;
        }
        // The append's few statements run on every push: let Npgsql prepare them once per connection.
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 32;
        }

        var source = NpgsqlDataSource.Create(builder.ConnectionString);
        var store = new PostgresRelayStore(source, server);
        try
        {
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch (Exception e)
        {
            await source.DisposeAsync().ConfigureAwait(false);
            if (e is StoreOpenException)
            {
                throw;
            }

            if (e is OperationCanceledException)
            {
                throw;
            }

            throw new StoreOpenException($"cannot open the PostgreSQL database at {server}: {Reason(e)}", e);
        }
    }

    public async Task<string?> GetMetaAsync(string key, CancellationToken cancellationToken = default) =>
        await RunAsync(async connection =>
        {
            await using var command = Command(connection, "SELECT value FROM meta WHERE key = @k;", ("k", key));
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }, cancellationToken).ConfigureAwait(false);

    public Task SetMetaAsync(string key, string value, CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            await using var command = Command(connection,
                "INSERT INTO meta(key, value) VALUES(@k, @v) ON CONFLICT(key) DO UPDATE SET value = excluded.value;", ("k", key), ("v", value));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    /// <summary>Runs <paramref name="work"/> on a pooled connection, turning a lost or unreachable
    /// database into <see cref="StoreUnavailableException"/>.</summary>
    private async Task<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await work(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e) && !cancellationToken.IsCancellationRequested)
        {
            throw new StoreUnavailableException($"the PostgreSQL database at {Server} is unavailable: {Reason(e)}", e);
        }
    }

    /// <summary>Whether the failure is the database being away (retry later) rather than a bug or
    /// a refused statement.</summary>
    internal static bool IsUnavailable(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exceptions
            || p.SqlState.StartsWith("57P", StringComparison.Ordinal) // shutting down, cannot connect now
            || p.SqlState == "53300", // too many connections
        NpgsqlException n => n.IsTransient || n.InnerException is SocketException or IOException or TimeoutException,
        SocketException or TimeoutException => true,
        _ => false,
    };

    /// <summary>One line saying why, without anything of the connection string.</summary>
    private static string Reason(Exception e)
    {
        var inner = e;
        while (inner is NpgsqlException { InnerException: { } next } && inner is not PostgresException)
        {
            inner = next;
        }

        var text = inner is PostgresException p ? $"{p.MessageText} ({p.SqlState})" : inner.Message;
        return string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).TrimEnd('.');
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params (string Name, object? Value)[] parameters) =>
        Command(connection, null, sql, parameters);

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, tx);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }
}
