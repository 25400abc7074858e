using System.Security.Cryptography;
using Crdt.Core.Wire;
using Crdt.Relay.Storage.Blobs;
using Crdt.Relay.Storage.Postgres;
using Crdt.Relay.Tests.Support;

namespace Crdt.Relay.Tests.Attachments;

/// <summary>What every <see cref="IBlobStore"/> does: partial uploads kept at their acknowledged
/// offset across a reopen, hash checked on completion, a mismatch thrown away, policies kept.</summary>
public abstract class BlobStoreConformance : IAsyncLifetime
{
    private protected abstract Task<IBlobStore> OpenAsync();

    private IBlobStore store = null!;

    public async Task InitializeAsync() => store = await OpenAsync();

    public virtual async Task DisposeAsync() => await store.DisposeAsync();

    private static byte[] Bytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task A_partial_attachment_is_kept_at_its_offset_and_completes_when_the_hash_matches()
    {
        var bytes = Bytes(3 * 1024 * 1024 + 17, 1);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await using (var writer = await store.OpenWriterAsync("t1", sha, 0, default))
        {
            await writer.WriteAsync(bytes.AsMemory(0, 1024 * 1024), default);
            await writer.WriteAsync(bytes.AsMemory(1024 * 1024, 1024 * 1024), default);
        }
        await store.DisposeAsync();
        store = await OpenAsync();
        Assert.Equal(new BlobProgress(false, 2 * 1024 * 1024), await store.ProgressAsync("t1", sha, default));
        await Assert.ThrowsAsync<BlobOffsetException>(() => store.OpenWriterAsync("t1", sha, 0, default));
        Assert.Null(await store.OpenReadAsync("t1", sha, default));

        await using (var writer = await store.OpenWriterAsync("t1", sha, 2 * 1024 * 1024, default))
        {
            await writer.WriteAsync(bytes.AsMemory(2 * 1024 * 1024), default);
            Assert.True(await writer.CompleteAsync(bytes.Length, default));
        }

        Assert.Equal(new BlobProgress(true, bytes.Length), await store.ProgressAsync("t1", sha, default));
        await using var read = (await store.OpenReadAsync("t1", sha, default))!;
        Assert.Equal(sha, Convert.ToHexStringLower(await SHA256.HashDataAsync(read)));
        // Tenants are apart: the same hash is nothing in another tenant.
        Assert.Equal(new BlobProgress(false, 0), await store.ProgressAsync("t2", sha, default));
    }

    [Fact]
    public async Task Bytes_that_do_not_match_the_hash_are_thrown_away()
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(Bytes(1000, 2)));
        await using (var writer = await store.OpenWriterAsync("t1", sha, 0, default))
        {
            await writer.WriteAsync(Bytes(1000, 3), default);
            Assert.False(await writer.CompleteAsync(1000, default));
        }

        Assert.Equal(new BlobProgress(false, 0), await store.ProgressAsync("t1", sha, default));
        Assert.Null(await store.OpenReadAsync("t1", sha, default));
    }

    [Fact]
    public async Task A_policy_set_is_read_back_and_a_tenant_without_one_has_none()
    {
        Assert.Null(await store.GetPolicyAsync("t1", default));
        var policy = new AttachmentPolicy { MaxSizeBytes = 5000, AllowedMediaTypes = { "image/*", "application/pdf" }, Predownload = PredownloadMode.Under, PredownloadMaxKib = 64 };

        await store.SetPolicyAsync("t1", policy, default);

        Assert.Equal(policy, await store.GetPolicyAsync("t1", default));
        Assert.Null(await store.GetPolicyAsync("t2", default));
    }
}

public sealed class FileBlobStoreConformanceTests : BlobStoreConformance, IDisposable
{
    private readonly TempFolder folder = new();

    private protected override Task<IBlobStore> OpenAsync() => Task.FromResult<IBlobStore>(new FileBlobStore(folder.Path));

    public void Dispose() => folder.Dispose();
}

[Collection(Storage.PostgresCollection.Name)]
public sealed class PostgresBlobStoreConformanceTests : BlobStoreConformance
{
    private PostgresTestDatabase? database;
    private readonly List<PostgresRelayStore> stores = [];

    private protected override async Task<IBlobStore> OpenAsync()
    {
        database ??= await PostgresTestDatabase.CreateAsync();
        var relayStore = await PostgresRelayStore.OpenAsync(database.ConnectionString);
        stores.Add(relayStore);
        return new PostgresBlobStore(relayStore);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var relayStore in stores) await relayStore.DisposeAsync();
        if (database is not null) await database.DisposeAsync();
    }
}
