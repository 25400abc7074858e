using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Replica;
using Crdt.Simulation.Network;
using Crdt.Simulation.Relay;

namespace Crdt.Simulation.Scenario;

/// <summary>
/// One seed's run: a relay engine and 3 to 6 replicas in one process, a dispatcher setting up
/// orders, then <c>steps</c> random steps (edits, syncs, network faults, clock jumps, crashes of
/// devices and of the relay, pins), then healing (faults off, every held push delivered, clocks
/// caught up, sync until quiet). Every choice comes from one <see cref="Random"/> seeded with the
/// seed, and every replica id and clock is fixed by it, so a seed replays the same run.
/// Invariants: after every step, no device lacks an edit it acknowledged (across its crashes),
/// and the relay log holds no dot twice and equals its state; at the end, additionally, the relay
/// holds every acknowledged edit and each device holds exactly the documents of its scope, each
/// equal to the relay's (fields, elements, totals, flags).
/// </summary>
internal sealed partial class SimulationRun : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    private readonly Random random;
    private readonly SimWorld world = new(Start);
    private readonly SimClock relayClock;
    private readonly string folder;
    private readonly int steps;
    private readonly bool auditEveryStep;
    private readonly Ledger ledger = new();
    private readonly List<SimDevice> devices = [];
    private readonly List<DocumentKey> customers = [];
    private readonly List<DocumentKey> parts = [];
    private InProcessRelay relay = null!;
    private SimNetwork network = null!;
    private int step;
    private int orders;

    private SimulationRun(int seed, int steps, string folder, bool auditEveryStep)
    {
        random = new Random(seed);
        relayClock = new SimClock(world);
        this.folder = folder;
        this.steps = steps;
        this.auditEveryStep = auditEveryStep;
        Result = new SimulationResult { Seed = seed, Devices = random.Next(3, 7), Steps = steps };
    }

    public SimulationResult Result { get; }

    /// <summary>Runs one seed in a fresh temporary folder (deleted afterwards) and returns what it found.</summary>
    public static async Task<SimulationResult> RunAsync(int seed, int steps, bool auditEveryStep = true)
    {
        var folder = Path.Combine(Simulation.Scratch(), $"crdt-sim-{seed}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var run = new SimulationRun(seed, steps, folder, auditEveryStep);
        try
        {
            await run.RunAsync();
        }
        catch (Exception e)
        {
            run.Result.Problems.Add($"the run crashed at step {run.step}: {e}");
        }
        finally
        {
            await run.DisposeAsync();
        }
        return run.Result;
    }

    private async Task RunAsync()
    {
        await SetUpAsync();
        for (step = 1; step <= steps && Result.Passed; step++)
        {
            world.Advance(TimeSpan.FromMilliseconds(random.Next(0, 90_000)));
            await StepAsync();
            await CheckStepAsync(full: auditEveryStep || step == steps);
        }
        if (!Result.Passed) return;
        step = steps + 1;
        await HealAsync();
        await CheckEndAsync();
        Result.AcknowledgedEdits = ledger.Edits.Count;
        Result.DeviceCrashes = devices.Sum(d => d.Crashes);
        Result.RelayCrashes = relay.Starts - 1;
    }

    private async Task SetUpAsync()
    {
        relay = await InProcessRelay.OpenAsync(Path.Combine(folder, "relay"), relayClock);
        network = new SimNetwork(random, relay, Trace);
        devices.Add(await SimDevice.CreateAsync(folder, "dispatch", DeviceRoleKind.Dispatcher, world, network, random));
        for (var i = 1; i < Result.Devices; i++)
        {
            var role = i == 4 ? DeviceRoleKind.Dispatcher : DeviceRoleKind.Technician;
            devices.Add(await SimDevice.CreateAsync(folder, role == DeviceRoleKind.Dispatcher ? "office" : $"tech{i}", role, world, network, random));
        }
        Trace($"set-up: {string.Join(", ", devices)}");

        var dispatch = devices[0];
        for (var i = 1; i <= 2; i++)
        {
            var key = new DocumentKey(CustomerFields.Collection, $"C{i}");
            await SaveAsync(dispatch, dispatch.Replica.Create(key.Collection, key.Id)
                .Set(CustomerFields.Name, FieldValue.String($"Customer {i}")), "creates customer");
            customers.Add(key);
        }
        var part = new DocumentKey(PartFields.Collection, "P1");
        await SaveAsync(dispatch, dispatch.Replica.Create(part.Collection, part.Id)
            .Set(PartFields.Sku, FieldValue.String("SKU-1")).Set(PartFields.Name, FieldValue.String("Filter")), "creates part");
        parts.Add(part);
        foreach (var tech in devices.Where(d => d.IsTechnician))
        {
            await CreateOrderAsync(dispatch, tech.Name);
        }
        foreach (var device in devices)
        {
            await SyncAsync(device, mustSucceed: true);
        }
    }

    private async Task HealAsync()
    {
        Trace("heal: network healed, relay up, held pushes delivered, clocks caught up");
        network.Heal();
        await relay.RecoverAsync();
        await network.DeliverDelayedAsync(int.MaxValue);
        relayClock.Offset = TimeSpan.Zero;
        // Past every forward skew and jump, so no op is still too far ahead of the relay's clock.
        world.Advance(TimeSpan.FromHours(2));
        for (var round = 1; round <= 12; round++)
        {
            Result.HealRounds = round;
            var moved = false;
            foreach (var device in devices)
            {
                var before = device.Replica.Progress;
                await SyncAsync(device, mustSucceed: true, checkOut: round == 1);
                var after = device.Replica.Progress;
                moved |= after.OpsSent != before.OpsSent || after.OpsReceived != before.OpsReceived;
            }
            if (!moved && devices.All(d => d.Replica.PendingCount == 0)) return;
        }
        Problem("the devices did not become quiet after 12 sync rounds with a healed network");
    }

    private void Trace(string line) => Result.Trace.Add($"[{step}] {line}");

    private void Problem(string problem)
    {
        Result.Problems.Add($"step {step}: {problem}");
        Trace("PROBLEM " + problem);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var device in devices)
        {
            try
            {
                device.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }
        if (relay is not null) await relay.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
