using Crdt.Core;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// Guards the shared-device flow against the relay's replica ownership rule: one replica file
/// (one replica id) used by two people with their own tokens syncs both people's edits, because
/// the file's replica key goes with every push; another device cannot push under that id.
/// </summary>
public sealed class SharedDeviceTests(RelayFixture relay) : IClassFixture<RelayFixture>
{
    // Customers, not parts: technicians may create customers found on site, never catalogue parts.
    [Fact]
    public async Task Two_people_on_one_tablet_both_sync_under_its_replica_id()
    {
        await using var tablet = await relay.DeviceAsync("ana");
        await tablet.Create(CustomerFields.Collection, "C-SHARED-1").Set(CustomerFields.Name, "Seal Ltd").SaveAsync();
        await tablet.SyncAsync();

        await tablet.SignInAsync(relay.Url, relay.Tokens["ben"], "ben");
        await tablet.Create(CustomerFields.Collection, "C-SHARED-2").Set(CustomerFields.Name, "Gasket Ltd").SaveAsync();
        await tablet.SyncAsync();

        Assert.Equal(0, tablet.PendingCount);
        var stored = (await relay.RelayDotsAsync()).Where(d => d.Replica == tablet.Id.Value).ToList();
        Assert.Equal(2, stored.Count);
        await using var observer = await relay.DeviceAsync("dispatch");
        await observer.SyncAsync();
        Assert.NotNull(observer.Get(new DocumentKey(CustomerFields.Collection, "C-SHARED-2")));
    }
}
