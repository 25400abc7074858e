using Crdt.Relay.Storage;
using Crdt.Relay.Storage.Sqlite;

namespace Crdt.Relay.Tests.Storage;

/// <summary>The SQLite backend against the storage conformance suite, on real files.</summary>
public sealed class SqliteRelayStoreConformanceTests : RelayStoreConformance, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override Task<IRelayStore> CreateEmptyStoreAsync() =>
        Task.FromResult<IRelayStore>(SqliteRelayStore.Open(_folder.Path));

    protected override async Task<IRelayStore> ReopenAsync(IRelayStore store)
    {
        await store.DisposeAsync();
        return SqliteRelayStore.Open(_folder.Path);
    }

    [Fact]
    public async Task The_data_folder_holds_a_WAL_database()
    {
        await Store.AppendAsync("t1", [new OpRecord("a", 1, new StoreDocumentKey("Part", "p"), [1])]);

        Assert.True(File.Exists(SqliteRelayStore.DatabasePath(_folder.Path)));
        Assert.True(File.Exists(SqliteRelayStore.DatabasePath(_folder.Path) + "-wal"));
    }

    public void Dispose() => _folder.Dispose();
}
