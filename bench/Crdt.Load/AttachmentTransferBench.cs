using System.Diagnostics;
using Crdt.Core;
using Crdt.Replica;

namespace Crdt.Load;

/// <summary>
/// <c>attachments [--mib 20] [--runs 3]</c>: upload and download of one attachment between two
/// replicas (the library, as an app uses it) through a relay process on loopback (SQLite and
/// files). Reports MB/s (10^6 bytes) and CPU milliseconds per MB on each side: the device
/// process (reading the file, gRPC, writing and hashing what it downloads) and the relay
/// process (from /proc). A warm-up transfer of 1 MiB runs first so JIT is not counted.
/// </summary>
internal static class AttachmentTransferBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var mib = Arg(args, "--mib", 20);
        var runs = Arg(args, "--runs", 3);
        var folder = Directory.CreateTempSubdirectory("crdt-attach-bench-").FullName;
        try
        {
            var data = Path.Combine(folder, "relay");
            var token = await RelayProcess.RegisterAdminAsync(data, null, default);
            await using var relay = await RelayProcess.StartAsync(data, null, default);
            await using var sender = await Crdt.Replica.DeviceReplica.OpenAsync(Path.Combine(folder, "sender.db"));
            await using var receiver = await Crdt.Replica.DeviceReplica.OpenAsync(Path.Combine(folder, "receiver.db"));
            await sender.SignInAsync(relay.Address.ToString().TrimEnd('/'), token, "load-admin");
            await receiver.SignInAsync(relay.Address.ToString().TrimEnd('/'), token, "load-admin");

            Console.WriteLine($"attachments: {mib} MiB over loopback, {runs} runs; {Environment.ProcessorCount} cores ({MachineFacts.MachineCpu()}), load average {MachineFacts.LoadAverage()}");
            await TransferAsync(sender, receiver, relay, folder, 1, 0, quiet: true);
            for (var run = 1; run <= runs; run++) await TransferAsync(sender, receiver, relay, folder, mib, run, quiet: false);
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task TransferAsync(Crdt.Replica.DeviceReplica sender, Crdt.Replica.DeviceReplica receiver, RelayProcess relay, string folder, int mib, int run, bool quiet)
    {
        var file = Path.Combine(folder, $"photo-{run}-{mib}.jpg");
        var bytes = new byte[mib * 1024 * 1024];
        new Random(run).NextBytes(bytes);
        await File.WriteAllBytesAsync(file, bytes);
        var order = $"WO-bench-{run}-{mib}";
        await sender.SetWorkOfflineAsync(true);
        await sender.Create(WorkOrderFields.Collection, order).Set(WorkOrderFields.Title, "bench")
            .Set(WorkOrderFields.Status, WorkOrderStatus.Open).SaveAsync();
        var attached = await sender.AttachAsync(order, file);
        await sender.SetWorkOfflineAsync(false);

        var (upSeconds, upDevice, upRelay) = await MeasureAsync(relay, () => sender.UploadAttachmentsAsync());
        await sender.SyncAsync();
        await receiver.SyncAsync();
        var (downSeconds, downDevice, downRelay) = await MeasureAsync(relay, () => receiver.FetchAttachmentAsync(order, attached.Sha256));
        var received = await File.ReadAllBytesAsync(Path.Combine(receiver.AttachmentFolder, attached.Sha256));
        if (!bytes.AsSpan().SequenceEqual(received))
            throw new InvalidOperationException("the downloaded bytes differ");
        if (quiet) return;
        var mb = bytes.Length / 1e6;
        Console.WriteLine($"run {run}: upload {mb / upSeconds,7:F1} MB/s (device CPU {upDevice * 1000 / mb,5:F1} ms/MB, relay CPU {upRelay * 1000 / mb,5:F1} ms/MB); " +
            $"download {mb / downSeconds,7:F1} MB/s (device CPU {downDevice * 1000 / mb,5:F1} ms/MB, relay CPU {downRelay * 1000 / mb,5:F1} ms/MB)");
    }

    private static async Task<(double Seconds, double DeviceCpu, double RelayCpu)> MeasureAsync<T>(RelayProcess relay, Func<Task<T>> transfer)
    {
        var device = Process.GetCurrentProcess();
        var deviceBefore = device.TotalProcessorTime;
        var relayBefore = relay.CpuSeconds();
        var clock = Stopwatch.StartNew();
        await transfer();
        clock.Stop();
        device.Refresh();
        return (clock.Elapsed.TotalSeconds, (device.TotalProcessorTime - deviceBefore).TotalSeconds, relay.CpuSeconds() - relayBefore);
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) && value > 0 ? value : fallback;
    }
}
