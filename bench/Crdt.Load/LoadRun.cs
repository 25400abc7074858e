using System.Diagnostics;
using Crdt.Core.Wire;
using Grpc.Core;
using Grpc.Net.Client;

namespace Crdt.Load;

/// <summary>
/// One load run: a relay in its own process; N technician devices each make M offline edits,
/// then all sync at once (push in batches, then pull) while S dispatcher devices hold live
/// subscriptions (in a process of their own: <see cref="SubscriberProcess"/>) and time each op from
/// the start of its push, and from its acknowledgement, to its arrival. On PostgreSQL
/// (<c>--postgres</c>) with several relays (<c>--relays</c>), the devices push through all relays but
/// the last and the subscribers listen on the last, so every delivery crosses nodes.
/// </summary>
internal static class LoadRun
{
    public static async Task<LoadReport> RunAsync(LoadOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        string data = Path.Combine(Path.GetTempPath(), $"crdt-load-{Guid.NewGuid():N}");
        Directory.CreateDirectory(data);
        await using var database = options.Postgres is null ? null : await LoadDatabase.CreateAsync(options.Postgres, cancellationToken).ConfigureAwait(false);
        var relays = new List<RelayProcess>();
        try
        {
            string adminToken = await RelayProcess.RegisterAdminAsync(data, database?.ConnectionString, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < options.Relays; i++)
            {
                var relay = await RelayProcess.StartAsync(data, database?.ConnectionString, cancellationToken).ConfigureAwait(false);
                relays.Add(relay);
                log.WriteLine($"relay pid {relay.Pid} serving {relay.Address}");
            }
            var report = await MeasureAsync(options, relays, adminToken, log, cancellationToken).ConfigureAwait(false);
            return report with { Storage = database is null ? "SQLite, durable commits" : "PostgreSQL " + database.ServerVersion, Relays = relays.Count };
        }
        finally
        {
            foreach (var relay in relays) await relay.DisposeAsync().ConfigureAwait(false);
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<LoadReport> MeasureAsync(LoadOptions options, List<RelayProcess> relays, string adminToken, TextWriter log, CancellationToken cancellationToken)
    {
        var relay = relays[0];
        // Devices on every relay but the last (all on the one when alone); subscribers on the last.
        Uri PusherNode(int device) => relays[relays.Count == 1 ? 0 : device % (relays.Count - 1)].Address;
        var subscriberNode = relays[^1].Address;
        string loadAtStart = MachineFacts.LoadAverage();
        var deviceWire = new WireBytes();
        var techTokens = await RegisterAsync(relay.Address, adminToken, "tech", DeviceRole.Technician, options.Devices, cancellationToken).ConfigureAwait(false);
        var dispatchTokens = await RegisterAsync(relay.Address, adminToken, "dispatch", DeviceRole.Dispatcher, options.Subscribers, cancellationToken).ConfigureAwait(false);

        var devices = techTokens.Select((t, i) => new SimulatedDevice(t.Name, t.Token, PusherNode(i), deviceWire)).ToList();
        try
        {
            long editStart = Stopwatch.GetTimestamp();
            for (int i = 0; i < devices.Count; i++) devices[i].EditOffline(options.OrdersPerDevice, options.Edits, seed: 1000 + i);
            double offlineMs = Stopwatch.GetElapsedTime(editStart).TotalMilliseconds;
            int totalOps = devices.Sum(d => d.OutboxCount);
            log.WriteLine($"{totalOps} offline edits made in {offlineMs:N0} ms; syncing");

            var tokens = dispatchTokens.Select(t => t.Token).ToList();
            await using ISubscribers subscribers = options.SubscribersInProcess
                ? await InProcessSubscribers.StartAsync(subscriberNode, tokens, cancellationToken).ConfigureAwait(false)
                : await SubscriberProcess.StartAsync(subscriberNode, tokens, cancellationToken).ConfigureAwait(false);
            int warmupOps = await WarmUpAsync(options, relay.Address, adminToken, cancellationToken).ConfigureAwait(false);
            long subscriberBytesBefore = await subscribers.AllArrivedAsync(warmupOps, ArrivalTimeout, cancellationToken).ConfigureAwait(false);

            double cpuBefore = relays.Sum(r => r.CpuSeconds());
            double harnessCpuBefore = HarnessCpuSeconds(), subscriberCpuBefore = subscribers.SeparateCpuSeconds();
            long deviceBytesBefore = deviceWire.Total;
            long syncStart = Stopwatch.GetTimestamp();
            var pushes = devices.Select(d => d.PushAllAsync(options.BatchSize, cancellationToken)).ToList();
            await Task.WhenAll(pushes).ConfigureAwait(false);
            double pushMs = Stopwatch.GetElapsedTime(syncStart).TotalMilliseconds;
            await Task.WhenAll(devices.Select(d => d.PullAsync(cancellationToken))).ConfigureAwait(false);
            double syncMs = Stopwatch.GetElapsedTime(syncStart).TotalMilliseconds;

            long subscriberBytes = await subscribers.AllArrivedAsync(warmupOps + totalOps, ArrivalTimeout, cancellationToken).ConfigureAwait(false) - subscriberBytesBefore;
            double cpu = relays.Sum(r => r.CpuSeconds()) - cpuBefore;
            double subscriberCpu = subscribers.SeparateCpuSeconds() - subscriberCpuBefore;
            double harnessCpu = HarnessCpuSeconds() - harnessCpuBefore + subscriberCpu;
            long deviceBytes = deviceWire.Total - deviceBytesBefore;
            long stored = devices.Sum(d => d.Stored);
            double capacity = stored / (pushMs / 1000);
            var burstDots = BurstDots(devices);

            // Steady load at half the burst's capacity: every device edits and pushes a small batch
            // every SteadyInterval, for SteadySeconds; push -> delivery of those ops only.
            var steadyStart = devices.Select(d => d.OutboxCount).ToList();
            double perDevicePerTick = capacity / 2 / devices.Count * SteadyInterval.TotalSeconds;
            int steadyBatch = Math.Max(1, (int)Math.Round(perDevicePerTick));
            int ticks = (int)(SteadySeconds / SteadyInterval.TotalSeconds);
            for (int i = 0; i < devices.Count; i++)
                devices[i].EditOffline(options.OrdersPerDevice, steadyBatch * ticks, seed: 5000 + i, orderPrefix: "steady");
            int steadyOps = devices.Sum(d => d.OutboxCount) - steadyStart.Sum();
            long steadyBegin = Stopwatch.GetTimestamp();
            await Task.WhenAll(devices.Select((d, i) => d.PushPacedAsync(steadyStart[i], steadyBatch, SteadyInterval, cancellationToken))).ConfigureAwait(false);
            double steadySeconds = Stopwatch.GetElapsedTime(steadyBegin).TotalSeconds;
            await subscribers.AllArrivedAsync(warmupOps + totalOps + steadyOps, ArrivalTimeout, cancellationToken).ConfigureAwait(false);
            var arrivals = await subscribers.StopAsync(cancellationToken).ConfigureAwait(false);

            bool InBurst((string Replica, ulong Seq) dot) => burstDots.Contains(dot);
            var latencies = Latencies(devices, arrivals, d => d.PushStartedAt, InBurst);
            var commitLatencies = Latencies(devices, arrivals, d => d.PushAckedAt, InBurst);
            var commitLags = LagsInOps(devices, arrivals, burstDots);
            var steadyLatencies = Latencies(devices, arrivals, d => d.PushStartedAt, dot => !InBurst(dot));
            return new LoadReport(
                options.Devices, options.Edits, options.Subscribers, options.BatchSize, totalOps, stored,
                offlineMs, pushMs, stored / (pushMs / 1000), syncMs,
                Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies.Length == 0 ? 0 : latencies[^1], latencies.Length,
                cpu, stored == 0 ? 0 : cpu * 1e6 / stored, harnessCpu, relays.Max(r => r.PeakRssBytes()),
                (double)deviceBytes / totalOps, options.Subscribers == 0 ? 0 : (double)subscriberBytes / options.Subscribers / totalOps,
                Environment.ProcessorCount, MachineFacts.MachineCpu(), loadAtStart)
            {
                CommitToSubscriberP99Ms = Percentile(commitLatencies, 0.99),
                CommitToSubscriberLagOpsP99 = Percentile(commitLags, 0.99),
                SteadyOpsPerSec = steadyOps / steadySeconds,
                SteadyPushToSubscriberP99Ms = Percentile(steadyLatencies, 0.99),
                SteadyDeliveries = steadyLatencies.Length,
                SteadyPushToAckP99Ms = Percentile(PushToAck(devices, dot => !InBurst(dot)), 0.99),
                SubscribersInOwnProcess = !options.SubscribersInProcess,
                SubscriberProcessCpuSeconds = subscriberCpu,
            };
        }
        finally
        {
            foreach (var device in devices) device.Dispose();
        }
    }

    private static readonly TimeSpan ArrivalTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Before the measured sync, one more technician (not among the measured devices, its bytes
    /// not counted) pushes <see cref="LoadOptions.WarmupOps"/> ops and pulls, and every subscriber receives
    /// them (the caller waits for that): the relay runs without tiered compilation, so its first push, pull and stream writes compile
    /// their code, a one-time cost of a fresh process that is not a cost per op. Returns the ops pushed.</summary>
    private static async Task<int> WarmUpAsync(LoadOptions options, Uri relay, string adminToken, CancellationToken cancellationToken)
    {
        if (options.WarmupOps == 0)
        {
            return 0;
        }

        var token = (await RegisterAsync(relay, adminToken, "warmup", DeviceRole.Technician, 1, cancellationToken).ConfigureAwait(false))[0];
        var device = new SimulatedDevice(token.Name, token.Token, relay, new WireBytes());
        device.EditOffline(options.OrdersPerDevice, options.WarmupOps, seed: 999, orderPrefix: "warmup");
        int ops = device.OutboxCount;
        await device.PushAllAsync(options.BatchSize, cancellationToken).ConfigureAwait(false);
        await device.PullAsync(cancellationToken).ConfigureAwait(false);
        return ops;
    }

    /// <summary>User + system CPU seconds of this process (the devices, and the subscribers when they run in it).</summary>
    private static double HarnessCpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    private static readonly TimeSpan SteadyInterval = TimeSpan.FromMilliseconds(100);
    private const double SteadySeconds = 5;

    /// <summary>The dots pushed so far (the burst), to leave out of the steady-load figure.</summary>
    private static HashSet<(string Replica, ulong Seq)> BurstDots(List<SimulatedDevice> devices) =>
        devices.SelectMany(d => d.PushAckedAt.Keys).ToHashSet();

    /// <summary>Arrival minus the device-side time <paramref name="from"/> gives for each op that
    /// <paramref name="counts"/>, sorted (ms, at least 0: a delivery can beat the acknowledgement to the device).</summary>
    private static double[] Latencies(List<SimulatedDevice> devices, IReadOnlyList<SubscriberArrivals> subscribers,
        Func<SimulatedDevice, Dictionary<(string Replica, ulong Seq), long>> from, Func<(string Replica, ulong Seq), bool> counts)
    {
        var pushedAt = new Dictionary<(string Replica, ulong Seq), long>();
        foreach (var device in devices)
        {
            foreach (var (dot, at) in from(device))
            {
                if (counts(dot)) pushedAt[dot] = at;
            }
        }
        var latencies = new List<double>();
        foreach (var subscriber in subscribers)
        {
            foreach (var (dot, arrived) in subscriber.Ops)
            {
                if (pushedAt.TryGetValue(dot, out long pushed)) latencies.Add(Math.Max(0, (arrived - pushed) * 1000.0 / Stopwatch.Frequency));
            }
        }
        latencies.Sort();
        return [.. latencies];
    }

    /// <summary>Acknowledgement minus push start (ms) of each op that <paramref name="counts"/>, sorted.</summary>
    private static double[] PushToAck(List<SimulatedDevice> devices, Func<(string Replica, ulong Seq), bool> counts)
    {
        var waits = new List<double>();
        foreach (var device in devices)
        {
            foreach (var (dot, acked) in device.PushAckedAt)
            {
                if (counts(dot)) waits.Add((acked - device.PushStartedAt[dot]) * 1000.0 / Stopwatch.Frequency);
            }
        }
        waits.Sort();
        return [.. waits];
    }

    /// <summary>For each delivery of a burst op: how many ops were acknowledged to their devices after its
    /// own acknowledgement and before its arrival, sorted. The lag in ops, unlike the lag in ms, hardly moves
    /// when other processes slow the whole machine down, so builds can be compared on a busy one.</summary>
    private static double[] LagsInOps(List<SimulatedDevice> devices, IReadOnlyList<SubscriberArrivals> subscribers, HashSet<(string Replica, ulong Seq)> burst)
    {
        var ackedAt = devices.SelectMany(d => d.PushAckedAt).Where(p => burst.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value);
        var acks = ackedAt.Values.ToArray();
        Array.Sort(acks);
        // How many acknowledgements came at or before a timestamp.
        int AckedBy(long at)
        {
            int index = Array.BinarySearch(acks, at);
            if (index < 0) return ~index;
            while (index + 1 < acks.Length && acks[index + 1] == at) index++;
            return index + 1;
        }
        var lags = new List<double>();
        foreach (var subscriber in subscribers)
        {
            foreach (var (dot, arrived) in subscriber.Ops)
            {
                if (ackedAt.TryGetValue(dot, out long acked)) lags.Add(Math.Max(0, AckedBy(arrived) - AckedBy(acked)));
            }
        }
        lags.Sort();
        return [.. lags];
    }

    internal static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    internal static async Task<List<(string Name, string Token)>> RegisterAsync(
        Uri relay, string adminToken, string prefix, DeviceRole role, int count, CancellationToken cancellationToken)
    {
        using var admin = GrpcChannel.ForAddress(relay);
        var auth = new CallOptions(new Metadata { { "authorization", $"Bearer {adminToken}" } }, cancellationToken: cancellationToken);
        var tokens = new List<(string, string)>(count);
        for (int i = 0; i < count; i++)
        {
            string name = $"{prefix}-{i:D3}";
            var response = await admin.RegisterDeviceAsync(new RegisterDeviceRequest { Name = name, Role = role }, auth).ConfigureAwait(false);
            tokens.Add((name, response.Token));
        }
        return tokens;
    }
}
