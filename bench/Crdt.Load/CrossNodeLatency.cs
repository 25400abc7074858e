using System.Diagnostics;
using System.Globalization;
using Crdt.Core.Wire;

namespace Crdt.Load;

/// <summary>
/// <c>cross-node --postgres SERVER [--ops 300]</c>: two relay processes on one fresh PostgreSQL
/// database; a technician pushes single ops one after another through node 1 while a dispatcher
/// holds a Subscribe stream on node 2; each op is timed from the start of its push (so its commit
/// is inside the figure) to its arrival on node 2. This is the fan-out between nodes alone
/// (LISTEN/NOTIFY wake-up, read from the shared log, stream write), without a burst's queueing.
/// </summary>
internal static class CrossNodeLatency
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? server = null;
        int ops = 300;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--postgres") server = args[i + 1];
            else if (args[i] == "--ops") ops = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
        }
        if (server is null || ops < 1)
        {
            Console.Error.WriteLine("usage: cross-node --postgres CONNECTION_STRING [--ops N]");
            return 2;
        }
        var cancellationToken = CancellationToken.None;
        string data = Path.Combine(Path.GetTempPath(), $"crdt-load-{Guid.NewGuid():N}");
        await using var database = await LoadDatabase.CreateAsync(server, cancellationToken);
        string adminToken = await RelayProcess.RegisterAdminAsync(data, database.ConnectionString, cancellationToken);
        await using var node1 = await RelayProcess.StartAsync(data, database.ConnectionString, cancellationToken);
        await using var node2 = await RelayProcess.StartAsync(data, database.ConnectionString, cancellationToken);
        var tech = (await LoadRun.RegisterAsync(node1.Address, adminToken, "tech", DeviceRole.Technician, 1, cancellationToken))[0];
        var dispatcher = (await LoadRun.RegisterAsync(node1.Address, adminToken, "dispatch", DeviceRole.Dispatcher, 1, cancellationToken))[0];

        using var device = new SimulatedDevice(tech.Name, tech.Token, node1.Address, new WireBytes());
        using var subscriber = new LiveSubscriber(dispatcher.Token, node2.Address, new WireBytes());
        using var stop = new CancellationTokenSource();
        var listening = subscriber.RunAsync(0, stop.Token);
        await subscriber.Ready.WaitAsync(TimeSpan.FromSeconds(30));
        device.EditOffline(orders: 5, edits: ops, seed: 7);
        var arrived = subscriber.AllArrived(ops);
        long started = Stopwatch.GetTimestamp();
        await device.PushAllAsync(batchSize: 1, cancellationToken);
        double pushMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await arrived.WaitAsync(TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await listening;

        var latencies = subscriber.ArrivedAt
            .Select(a => (a.Value - device.PushStartedAt[a.Key]) * 1000.0 / Stopwatch.Frequency).Order().ToArray();
        static string F(double v) => v.ToString("N1", CultureInfo.InvariantCulture);
        Console.WriteLine($"cross-node: {ops} single-op pushes through node 1 in {F(pushMs)} ms, Subscribe on node 2 (PostgreSQL {database.ServerVersion})");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {MachineFacts.MachineCpu()}; load average {MachineFacts.LoadAverage()}");
        Console.WriteLine($"  push start on node 1 -> arrival on node 2   p50 {F(LoadRun.Percentile(latencies, 0.5))} ms, " +
            $"p99 {F(LoadRun.Percentile(latencies, 0.99))} ms, max {F(latencies[^1])} ms over {latencies.Length} ops   " +
            $"(p99 target <= 500: {(LoadRun.Percentile(latencies, 0.99) <= 500 ? "met" : "MISSED")})");
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }
        return latencies.Length == ops ? 0 : 1;
    }
}
