using Crdt.Core;
using Crdt.Relay.Auth;
using Crdt.Relay.Storage;
using Crdt.Replica;
using Crdt.Replica.Internal.Storage;
using Crdt.Simulation.Network;

namespace Crdt.Simulation.Scenario;

/// <summary>
/// One simulated device: a real replica on its own SQLite file, signed in as one person, talking
/// to the relay only through the simulated network, with its own clock. A crash closes the
/// replica and opens it again on the same file (what survives is what was durable).
/// </summary>
internal sealed class SimDevice
{
    private readonly SimNetwork network;
    private readonly Random random;
    private readonly int pushBatchOps;
    private readonly uint pullBatchItems;

    private SimDevice(string name, DeviceRoleKind role, string path, SimClock clock, SimNetwork network, Random random)
    {
        Name = name;
        Role = role;
        Path = path;
        Clock = clock;
        this.network = network;
        this.random = random;
        // Small batches, so one sync takes several calls for faults to land between.
        pushBatchOps = random.Next(1, 8);
        pullBatchItems = (uint)random.Next(1, 12);
        Caller = new CallerIdentity(Relay.InProcessRelay.Tenant, name, role);
    }

    public string Name { get; }
    public DeviceRoleKind Role { get; }
    public string Path { get; }
    public SimClock Clock { get; }
    public CallerIdentity Caller { get; }
    public Crdt.Replica.DeviceReplica Replica { get; private set; } = null!;
    public bool IsTechnician => Role == DeviceRoleKind.Technician;
    public int Crashes { get; private set; }

    /// <summary>A new device whose replica id is fixed (not random), so a seed replays exactly.</summary>
    public static async Task<SimDevice> CreateAsync(string folder, string name, DeviceRoleKind role, SimWorld world, SimNetwork network, Random random)
    {
        var path = System.IO.Path.Combine(folder, name + ".db");
        using (var store = ReplicaStore.Open(path, ReplicaDurability.ProcessCrashOnly))
        {
            store.SetSetting(SettingKeys.DeviceId, "dev-" + name);
        }
        var device = new SimDevice(name, role, path, new SimClock(world), network, random);
        await device.OpenAsync();
        await device.Replica.SignInAsync("http://relay.sim", "token-" + name, name);
        return device;
    }

    private async Task OpenAsync()
    {
        Replica = await Crdt.Replica.DeviceReplica.OpenAsync(Path, new ReplicaOptions
        {
            TimeProvider = Clock,
            Random = random.NextDouble,
            PushBatchOps = pushBatchOps,
            PullBatchItems = pullBatchItems,
            // A dispatcher's device may reopen orders; a technician's follows the declared steps.
            StatusAuthority = Role == DeviceRoleKind.Technician ? StatusAuthority.Field : StatusAuthority.Dispatch,
        });
        Replica.ConnectionFactory = (_, _) => new SimRelayConnection(network, Name, Caller);
    }

    /// <summary>The app is killed and started again on the same file.</summary>
    public async Task CrashAndReopenAsync()
    {
        Crashes++;
        Replica.Dispose();
        await OpenAsync();
        if (Replica.CurrentUser != Name) throw new InvalidOperationException($"{Name}: after a restart the device is signed in as '{Replica.CurrentUser}'");
    }

    public void Close() => Replica.Dispose();

    public override string ToString() => $"{Name} ({Role.ToString().ToLowerInvariant()})";
}
