using Crdt.Relay.Auth;
using Crdt.Relay.Services;
using Crdt.Relay.Sync;
using Crdt.Replica.Internal.Transport;
using Crdt.Simulation.Relay;
using Wire = Crdt.Core.Wire;

namespace Crdt.Simulation.Network;

/// <summary>
/// The network between the replicas and the in-process relay, driven by the simulation's one
/// random source: requests and responses dropped, requests duplicated, pushes delayed (held and
/// delivered later, out of order, possibly after the device sent them again), pull streams cut
/// before their checkpoint or carrying an op twice, and partitions that cut a device off.
/// A refusal from the relay is a finding (every op the simulation makes is valid), kept in
/// <see cref="Refusals"/>, and reaches the device as the refusal the gRPC transport would raise.
/// </summary>
internal sealed class SimNetwork(Random random, InProcessRelay relay, Action<string> trace)
{
    private readonly List<(string Device, CallerIdentity Caller, Wire.PushRequest Request)> delayed = [];

    public HashSet<string> Partitioned { get; } = new(StringComparer.Ordinal);

    public double DropRequest { get; set; }
    public double DropResponse { get; set; }
    public double Duplicate { get; set; }
    public double Delay { get; set; }
    public double CutStream { get; set; }

    /// <summary>Devices whose next push is stored by the relay and then the device crashes before hearing back.</summary>
    public HashSet<string> CrashAfterNextPush { get; } = new(StringComparer.Ordinal);

    public List<string> Refusals { get; } = [];

    public int DelayedCount => delayed.Count;

    public void Heal()
    {
        Partitioned.Clear();
        DropRequest = DropResponse = Duplicate = Delay = CutStream = 0;
        CrashAfterNextPush.Clear();
    }

    public async Task<Wire.PushResponse> PushAsync(string device, CallerIdentity caller, Wire.PushRequest request)
    {
        Reach(device, "push");
        if (Roll(DropRequest)) throw Lost(device, "push request lost");
        if (Roll(Delay))
        {
            delayed.Add((device, caller, request.Clone()));
            throw Lost(device, $"push of {request.Ops.Count} op(s) delayed in the network");
        }
        var response = await DeliverAsync(device, caller, request);
        if (Roll(Duplicate))
        {
            trace($"net: {device}'s push delivered twice");
            await DeliverAsync(device, caller, request);
        }
        if (CrashAfterNextPush.Remove(device))
        {
            trace($"net: {device} crashes before the push's answer arrives");
            throw new SimulatedCrashException(device);
        }
        if (Roll(DropResponse)) throw Lost(device, "push response lost");
        return response;
    }

    /// <summary>Delivers up to <paramref name="count"/> held pushes, in random order.</summary>
    public async Task DeliverDelayedAsync(int count)
    {
        if (!relay.IsUp)
        {
            trace($"net: {delayed.Count} held push(es) wait: the relay is down");
            return;
        }
        for (var i = 0; i < count && delayed.Count > 0; i++)
        {
            var index = random.Next(delayed.Count);
            var (device, caller, request) = delayed[index];
            delayed.RemoveAt(index);
            trace($"net: delayed push of {device} ({request.Ops.Count} op(s)) arrives");
            await DeliverAsync(device, caller, request, answerGoesNowhere: true);
        }
    }

    private async Task<Wire.PushResponse> DeliverAsync(string device, CallerIdentity caller, Wire.PushRequest request, bool answerGoesNowhere = false)
    {
        try
        {
            return await relay.PushAsync(caller, request);
        }
        catch (RelayRefusal refusal)
        {
            var finding = $"relay refused a valid push of {device} ({request.Ops.Count} op(s)): {RefusalStatus.CodeOf(refusal)}: {refusal.Message}";
            if (IsClockSkewRefusal(refusal.Message))
            {
                trace($"net: {device}'s push refused for clock skew: {refusal.Message}");
            }
            else
            {
                Refusals.Add(finding);
                trace("FINDING " + finding);
            }
            if (answerGoesNowhere) return new Wire.PushResponse();
            throw new RelayRefusedException(finding, false, refusal);
        }
    }

    /// <summary>The one refusal a valid op can meet: its device's clock ran further ahead of the relay's than the bound.</summary>
    public static bool IsClockSkewRefusal(string message) => message.Contains("ahead of the relay's clock", StringComparison.Ordinal);

    public async IAsyncEnumerable<Wire.PullResponse> PullAsync(string device, CallerIdentity caller, ulong cursor, uint maxItems)
    {
        Reach(device, "pull");
        if (Roll(DropRequest)) throw Lost(device, "pull request lost");
        List<Wire.PullResponse> items;
        try
        {
            items = await relay.PullAsync(caller, cursor, maxItems);
        }
        catch (RelayRefusal refusal)
        {
            var finding = $"relay refused {device}'s pull from cursor {cursor}: {RefusalStatus.CodeOf(refusal)}: {refusal.Message}";
            Refusals.Add(finding);
            throw new RelayRefusedException(finding, false, refusal);
        }
        var cutAt = Roll(CutStream) ? random.Next(items.Count) : -1;
        var twice = Roll(Duplicate) ? random.Next(items.Count) : -1;
        for (var i = 0; i < items.Count; i++)
        {
            if (i == cutAt) throw Lost(device, $"pull stream cut after {i} of {items.Count} item(s)");
            yield return items[i];
            if (i == twice && items[i].ItemCase == Wire.PullResponse.ItemOneofCase.Op)
            {
                trace($"net: {device}'s pull carries op {items[i].Op.Dot?.Replica}:{items[i].Op.Dot?.Seq} twice");
                yield return items[i].Clone();
            }
        }
    }

    public async Task<Wire.RegisterSigningKeyResponse> RegisterSigningKeyAsync(string device, CallerIdentity caller, Wire.RegisterSigningKeyRequest request)
    {
        // Not dropped: it happens once per device, and rolling for it would shift every seed's random stream.
        Reach(device, "register signing key");
        try
        {
            return await relay.Engine.RegisterSigningKeyAsync(caller, request, CancellationToken.None);
        }
        catch (RelayRefusal refusal)
        {
            throw new RelayRefusedException($"{RefusalStatus.CodeOf(refusal)}: {refusal.Message}", false, refusal);
        }
    }

    public async Task<Wire.PinResponse> PinAsync(string device, CallerIdentity caller, Wire.PinRequest request)
    {
        Reach(device, "pin");
        if (Roll(DropRequest)) throw Lost(device, "pin request lost");
        try
        {
            var response = await relay.PinAsync(caller, request);
            if (Roll(DropResponse)) throw Lost(device, "pin response lost");
            return response;
        }
        catch (RelayRefusal refusal)
        {
            throw new RelayRefusedException($"{RefusalStatus.CodeOf(refusal)}: {refusal.Message}", false, refusal);
        }
    }

    /// <summary>Calls one run may make before it is called stuck: a device asking again and again
    /// without progress (a livelock) must fail the seed, not hang the test.</summary>
    public const int MaxCalls = 50_000;

    public int Calls { get; private set; }

    private void Reach(string device, string action)
    {
        if (++Calls > MaxCalls)
            throw new InvalidOperationException($"{MaxCalls} network calls in one run: {device} seems to {action} in a loop without progress");
        if (Partitioned.Contains(device)) throw Lost(device, $"{action}: partitioned from the relay");
        if (!relay.IsUp) throw Lost(device, $"{action}: the relay is down");
    }

    private bool Roll(double probability) => probability > 0 && random.NextDouble() < probability;

    private RelayUnreachableException Lost(string device, string what)
    {
        trace($"net: {device}: {what}");
        return new RelayUnreachableException(what, new TimeoutException(what));
    }
}

/// <summary>Thrown into a replica's sync to model the app being killed at that instant.</summary>
internal sealed class SimulatedCrashException(string device) : Exception($"{device} crashed (simulated)");
