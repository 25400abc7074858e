using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Postgres;
using Crdt.Relay.Tests.Support;
using Npgsql;

namespace Crdt.Relay.Tests.Storage;

/// <summary>The PostgreSQL backend against the storage conformance suite, on a real cluster
/// (a fresh database per test), plus what only this backend has: its schema version and the
/// ordering of appenders from several processes.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRelayStoreConformanceTests : RelayStoreConformance
{
    private PostgresTestDatabase? _database;

    protected override async Task<IRelayStore> CreateEmptyStoreAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync();
        return await PostgresRelayStore.OpenAsync(_database.ConnectionString);
    }

    protected override async Task<IRelayStore> ReopenAsync(IRelayStore store)
    {
        await store.DisposeAsync();
        return await PostgresRelayStore.OpenAsync(_database!.ConnectionString);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }

    [Fact]
    public async Task The_schema_version_is_recorded_and_a_newer_one_is_refused_with_a_clear_message()
    {
        await using (var connection = new NpgsqlConnection(_database!.ConnectionString))
        {
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("SELECT version FROM relay_schema;", connection);
            Assert.Equal(PostgresRelayStore.SchemaVersion, (int)(await read.ExecuteScalarAsync())!);
            await using var bump = new NpgsqlCommand("UPDATE relay_schema SET version = version + 1;", connection);
            await bump.ExecuteNonQueryAsync();
        }

        var refused = await Assert.ThrowsAsync<StoreOpenException>(() => PostgresRelayStore.OpenAsync(_database.ConnectionString));

        Assert.Contains($"schema version {PostgresRelayStore.SchemaVersion + 1}, newer than this relay understands", refused.Message);
        Assert.Contains("127.0.0.1:", refused.Message);
    }

    [Fact]
    public async Task Two_stores_on_one_database_share_one_gapless_log_in_commit_order()
    {
        await using var other = await PostgresRelayStore.OpenAsync(_database!.ConnectionString);
        var stores = new IRelayStore[] { Store, other };

        await Task.WhenAll(Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            for (var b = 0; b < 10; b++)
            {
                await stores[w % 2].AppendAsync("t1", Enumerable.Range(1, 3)
                    .Select(i => new OpRecord($"w{w}", b * 3 + i, new StoreDocumentKey("WorkOrder", "wo"), [(byte)w, (byte)b, (byte)i])).ToList());
            }
        })));

        var log = await other.ReadLogAsync("t1", 0, 1000);
        Assert.Equal(Enumerable.Range(1, 180).Select(i => (long)i), log.Select(e => e.Position));
        Assert.Equal(180, await Store.GetHeadAsync("t1"));
    }

    [Fact]
    public async Task An_unreachable_server_is_named_by_host_and_port_without_the_password()
    {
        var builder = new NpgsqlConnectionStringBuilder(_database!.ConnectionString) { Port = 1, Password = "s3cret-pw" };

        var refused = await Assert.ThrowsAsync<StoreOpenException>(() => PostgresRelayStore.OpenAsync(builder.ConnectionString));

        Assert.Contains("127.0.0.1:1/", refused.Message);
        Assert.DoesNotContain("s3cret-pw", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
    }
}

/// <summary>PostgreSQL tests run one class at a time: the cluster shares two cores with the build.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection
{
    public const string Name = "PostgreSQL";
}
