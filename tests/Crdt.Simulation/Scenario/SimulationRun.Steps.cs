using Crdt.Core;
using Crdt.Replica;
using Crdt.Simulation.Network;

namespace Crdt.Simulation.Scenario;

internal sealed partial class SimulationRun
{
    /// <summary>One random step: what people do, what the network and the clocks do, what crashes.</summary>
    private async Task StepAsync()
    {
        var device = devices[random.Next(devices.Count)];
        var roll = random.Next(100);
        switch (roll)
        {
            case < 40:
                await EditAsync(device);
                break;
            case < 68:
                await SyncAsync(device, mustSucceed: false);
                break;
            case < 76:
                ChangeNetwork();
                break;
            case < 80:
                await network.DeliverDelayedAsync(random.Next(1, 4));
                break;
            case < 86:
                JumpClock(device);
                break;
            case < 92:
                if (random.Next(2) == 0)
                {
                    Trace($"{device.Name} crashes and restarts");
                    await device.CrashAndReopenAsync();
                }
                else
                {
                    Trace($"{device.Name} will crash right after its next push reaches the relay");
                    network.CrashAfterNextPush.Add(device.Name);
                }
                break;
            case < 97:
                if (relay.IsUp)
                {
                    Trace("the relay crashes");
                    await relay.CrashAsync();
                }
                break;
            default:
                await PinAsync(device);
                break;
        }
        if (!relay.IsUp && random.Next(3) == 0)
        {
            Trace("the relay restarts");
            await relay.RecoverAsync();
        }
    }

    private void ChangeNetwork()
    {
        var device = devices[random.Next(devices.Count)].Name;
        if (random.Next(3) == 0)
        {
            if (!network.Partitioned.Remove(device)) network.Partitioned.Add(device);
            Trace($"net: {device} is {(network.Partitioned.Contains(device) ? "cut off" : "reconnected")}");
            return;
        }
        double Chance() => random.Next(3) == 0 ? 0 : random.NextDouble() * 0.35;
        network.DropRequest = Chance();
        network.DropResponse = Chance();
        network.Duplicate = Chance();
        network.Delay = Chance();
        network.CutStream = Chance();
        Trace($"net: drop request {network.DropRequest:0.00}, drop response {network.DropResponse:0.00}, duplicate {network.Duplicate:0.00}, " +
            $"delay {network.Delay:0.00}, cut stream {network.CutStream:0.00}");
    }

    private void JumpClock(SimDevice device)
    {
        if (random.Next(4) == 0)
        {
            // The relay's clock is kept within the skew bound of the world: a relay far behind refuses everyone.
            relayClock.Offset = TimeSpan.FromSeconds(random.Next(-180, 181));
            Trace($"clock: the relay's clock is now {relayClock.Offset.TotalSeconds:0} s off");
            return;
        }
        // Mostly small skews; sometimes a jump far back (a reset clock) or well ahead (beyond the relay's bound).
        device.Clock.Offset = random.Next(5) switch
        {
            0 => TimeSpan.FromMinutes(-random.Next(60, 24 * 60)),
            1 => TimeSpan.FromMinutes(random.Next(6, 40)),
            _ => TimeSpan.FromSeconds(random.Next(-240, 241)),
        };
        Trace($"clock: {device.Name}'s clock is now {device.Clock.Offset.TotalMinutes:0.#} min off");
    }

    private async Task PinAsync(SimDevice device)
    {
        var customer = customers[random.Next(customers.Count)];
        Trace($"{device.Name} pins {customer} and checks out its agenda");
        await device.Replica.PinAsync(customer);
        try
        {
            await device.Replica.CheckOutAgendaAsync();
        }
        catch (Exception e) when (e is ReplicaSyncException or SimulatedCrashException)
        {
            await OnSyncFailedAsync(device, e, mustSucceed: false);
        }
    }

    /// <summary>One SyncAsync of the device, as the app calls it; unreachable is normal, a refusal is a finding.</summary>
    private async Task SyncAsync(SimDevice device, bool mustSucceed, bool checkOut = false)
    {
        try
        {
            // Checking out the agenda also sends pins whose earlier sending failed (a lost answer).
            var moved = checkOut ? (await device.Replica.CheckOutAgendaAsync()).Progress : await device.Replica.SyncAsync();
            Trace($"{device.Name} synced: sent {moved.OpsSent}, received {moved.OpsReceived}, pending {moved.Pending}");
        }
        catch (Exception e) when (e is ReplicaSyncException or SimulatedCrashException)
        {
            await OnSyncFailedAsync(device, e, mustSucceed);
        }
    }

    private async Task OnSyncFailedAsync(SimDevice device, Exception e, bool mustSucceed)
    {
        switch (e)
        {
            case SimulatedCrashException:
                await device.CrashAndReopenAsync();
                if (mustSucceed) Problem($"{device.Name} crashed during a sync that had to succeed");
                return;
            case ReplicaSyncException { Unreachable: true } when !mustSucceed:
                Trace($"{device.Name} sync: unreachable ({e.Message})");
                return;
            case ReplicaSyncException when !mustSucceed && SimNetwork.IsClockSkewRefusal(e.Message):
                // The device's clock ran ahead of the relay's bound: refused until the relay's clock catches up.
                Trace($"{device.Name} sync: refused for clock skew ({e.Message})");
                return;
            default:
                Problem($"{device.Name} sync failed: {e.Message}");
                return;
        }
    }
}
