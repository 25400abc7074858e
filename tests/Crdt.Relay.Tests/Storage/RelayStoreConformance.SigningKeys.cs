using Crdt.Relay.Storage;

namespace Crdt.Relay.Tests.Storage;

/// <summary>Signing keys (issue 14): bound per device registration, idempotent, kept across a restart, never leaking to another device or tenant.</summary>
public abstract partial class RelayStoreConformance
{
    [Fact]
    public async Task Signing_keys_are_bound_to_one_device_of_one_tenant_and_survive_a_restart()
    {
        var keys = Assert.IsAssignableFrom<ISigningKeyStore>(Store);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_767_261_600_000);
        await keys.RegisterSigningKeyAsync("t1", "tom", "k-02", [2, 2], at);
        await keys.RegisterSigningKeyAsync("t1", "tom", "k-01", [1, 1], at);
        await keys.RegisterSigningKeyAsync("t1", "tom", "k-01", [1, 1], at.AddHours(1));

        _store = await ReopenAsync(Store);
        keys = (ISigningKeyStore)Store;

        Assert.Equal(["k-01", "k-02"], (await keys.ListSigningKeysAsync("t1", "tom")).Select(k => k.KeyId));
        var found = await keys.FindSigningKeyAsync("t1", "tom", "k-01");
        Assert.Equal(new byte[] { 1, 1 }, found!.PublicKey);
        Assert.Equal(at, found.RegisteredAt);
        Assert.Null(await keys.FindSigningKeyAsync("t1", "ana", "k-01"));
        Assert.Null(await keys.FindSigningKeyAsync("t2", "tom", "k-01"));
        Assert.Empty(await keys.ListSigningKeysAsync("t2", "tom"));
    }
}
