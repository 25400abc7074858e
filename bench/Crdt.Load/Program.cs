using System.CommandLine;
using Crdt.Load;

// The end-to-end load harness: a relay on loopback (SQLite, its own process), N simulated
// technician devices that each make M offline edits and then sync at once, and live
// dispatcher subscribers. See LoadRun for what is measured.
// Two focused measurements sit beside it as subcommands:
//   relay-push [--devices 100] [--ops 500] [--batch 500] [--orders 500] [--durable true|false]
//   replica [SCALE]   durable local edits/s, opening 10,000 orders, 50,000-op sync round trip
//   cross-node --postgres SERVER [--ops 300]   push on one relay -> Subscribe on another, one op at a time
//   attachments [--mib 20] [--runs 3]   upload and download of one attachment: MB/s and CPU per MB each side
//   startup [--ops 1000000] [--orders 20000] [--postgres SERVER]   time to SERVING and peak RSS of a relay on a long log (StartupBench)
if (args.Length > 0 && args[0] == "relay-push")
{
    return await Crdt.Load.RelayBench.RelayPushBench.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "cross-node")
{
    return await CrossNodeLatency.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "startup")
{
    return await StartupBench.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "attachments")
{
    return await AttachmentTransferBench.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "subscribers")
{
    // The load run's live subscribers in a process of their own (SubscriberProcess starts it).
    return await SubscriberHost.RunAsync(Console.In, Console.Out);
}
if (args.Length > 0 && args[0] == "replica")
{
    var scale = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1.0;
    return await ReplicaMeasurements.RunAsync(Console.Out, scale);
}
var devices = new Option<int>("--devices") { Description = "Simulated technician devices.", DefaultValueFactory = _ => 100 };
var edits = new Option<int>("--edits") { Description = "Offline edits (ops) per device, the creates of its orders included.", DefaultValueFactory = _ => 500 };
var orders = new Option<int>("--orders") { Description = "Work orders each device creates (and then edits).", DefaultValueFactory = _ => 5 };
var subscribers = new Option<int>("--subscribers") { Description = "Live dispatcher subscribers.", DefaultValueFactory = _ => 4 };
var batch = new Option<int>("--batch") { Description = "Ops per push.", DefaultValueFactory = _ => 250 };
var json = new Option<FileInfo?>("--json") { Description = "Also write the figures to this JSON file." };
var postgres = new Option<string?>("--postgres")
{
    Description = "Run the relays on PostgreSQL: a connection string to a server where the harness may create (and then drop) a database. Default: SQLite.",
};
var relays = new Option<int>("--relays") { Description = "Relay processes on the one database (needs --postgres when more than 1).", DefaultValueFactory = _ => 1 };
var warmup = new Option<int>("--warmup")
{
    Description = "Ops one extra device pushes, pulls and the subscribers receive before the measured sync (the relay's first calls compile its code; 0: no warm-up).",
    DefaultValueFactory = _ => 500,
};
var subscribersInProcess = new Option<bool>("--subscribers-in-process")
{
    Description = "Run the live subscribers on the harness's thread pool beside the devices (as before they had a process of their own), to compare.",
};
var root = new RootCommand("Load harness: devices syncing at once through a relay on loopback.")
{
    devices, edits, orders, subscribers, batch, json, postgres, relays, warmup, subscribersInProcess,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var options = new LoadOptions(parse.GetValue(devices), parse.GetValue(edits), parse.GetValue(orders),
        parse.GetValue(subscribers), parse.GetValue(batch), parse.GetValue(json), parse.GetValue(postgres), parse.GetValue(relays), parse.GetValue(warmup),
        parse.GetValue(subscribersInProcess));
    if (options.Devices < 1 || options.Edits < 1 || options.OrdersPerDevice < 1 || options.Subscribers < 0 || options.BatchSize < 1 || options.WarmupOps < 0)
    {
        Console.Error.WriteLine("--devices, --edits, --orders and --batch must be at least 1; --subscribers and --warmup at least 0");
        return 2;
    }
    if (options.Relays < 1 || (options.Relays > 1 && options.Postgres is null))
    {
        Console.Error.WriteLine("--relays must be at least 1, and more than 1 relay needs --postgres (SQLite serves one process)");
        return 2;
    }
    var report = await LoadRun.RunAsync(options, Console.Error, cancellationToken);
    report.Print(Console.Out);
    if (options.Json is { } file)
    {
        file.Directory?.Create();
        await File.WriteAllTextAsync(file.FullName, report.ToJson() + "\n", cancellationToken);
    }
    return report.OpsStored == report.OpsPushed ? 0 : 1;
});
return await root.Parse(args).InvokeAsync();
