using Crdt.Relay.Storage.Postgres;

namespace Crdt.Relay.Storage.Blobs;

/// <summary>The blob store that goes with a relay store: files under the data folder for SQLite,
/// tables in the same database for PostgreSQL (so every relay node serving it sees the same bytes).</summary>
internal static class BlobStores
{
    public static IBlobStore For(IRelayStore store, RelayOptions options) => store switch
    {
        PostgresRelayStore postgres => new PostgresBlobStore(postgres),
        _ => new FileBlobStore(options.DataDirectory),
    };
}
