using System.Diagnostics;
using System.Globalization;
using Crdt.Grpc;
using Crdt.GrpcLoad;

// Load test of our gRPC layer against @grpc/grpc-js, same C# client load on both.
// Run from the repo root after `dotnet build CrdtFieldStore.sln -c Release` and `npm ci` in tests/node:
//   dotnet run -c Release --project bench/Crdt.GrpcLoad -- [--seconds 10] [--concurrency 32] [--streams 4] [--only ours|grpc-js] [--unary-only]
var seconds = IntOption("--seconds", 10);
var concurrency = IntOption("--concurrency", 32);
var streams = IntOption("--streams", 4);
var only = StringOption("--only");
var skipStreaming = args.Contains("--unary-only");
var repoRoot = FindRepoRoot();
var warmup = TimeSpan.FromSeconds(Math.Max(1, seconds / 5));
var duration = TimeSpan.FromSeconds(seconds);

var interopDll = Path.Combine(repoRoot, "tests", "Crdt.Interop.Server", "bin", "Release", "net10.0", "Crdt.Interop.Server.dll");
var targets = new List<(string Name, Func<Task<ServerProcess>> Start)>
{
    ("ours (Kestrel + Crdt.Grpc.Server)", () => ServerProcess.StartAsync("dotnet", [interopDll, "--port", "0"])),
    ("grpc-js 1.14 (Node)", () => ServerProcess.StartAsync("node", [Path.Combine(repoRoot, "tests", "node", "grpc-js-test-server.mjs"), "--port", "0"])),
};
if (only is not null)
{
    targets.RemoveAll(t => !t.Name.StartsWith(only, StringComparison.OrdinalIgnoreCase));
}

Console.WriteLine($"gRPC load: 1 connection, unary x{concurrency} in flight (100-byte payloads), server streaming x{streams} (1000 x 100-byte messages per call), {seconds}s each after {warmup.TotalSeconds}s warm-up");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}");
var results = new List<(string Name, double Unary, double Streamed)>();
foreach (var (name, start) in targets)
{
    using var server = await start();
    using var channel = GrpcChannel.ForAddress(server.Address);
    var (serverCpu, clientCpu) = (server.CpuTime, Process.GetCurrentProcess().TotalProcessorTime);
    var unary = await LoadRunner.UnaryCallsPerSecondAsync(channel, concurrency, warmup, duration);
    var unaryCalls = unary * (duration + warmup).TotalSeconds;
    var unaryCpu = $"server {(server.CpuTime - serverCpu).TotalMicroseconds / unaryCalls,5:F0} / client {(Process.GetCurrentProcess().TotalProcessorTime - clientCpu).TotalMicroseconds / unaryCalls,5:F0} CPU-us per call (approx.)";
    (serverCpu, clientCpu) = (server.CpuTime, Process.GetCurrentProcess().TotalProcessorTime);
    var streamed = skipStreaming ? double.NaN : await LoadRunner.StreamedMessagesPerSecondAsync(channel, streams, 1000, warmup, duration);
    var messages = streamed * (duration + warmup).TotalSeconds;
    var streamCpu = $"server {(server.CpuTime - serverCpu).TotalMicroseconds / messages,5:F1} / client {(Process.GetCurrentProcess().TotalProcessorTime - clientCpu).TotalMicroseconds / messages,5:F1} CPU-us per message (approx.)";
    results.Add((name, unary, streamed));
    Console.WriteLine($"{name,-36} unary {unary,10:N0} calls/s   streaming {streamed,12:N0} msgs/s");
    Console.WriteLine($"{"",-36} unary: {unaryCpu}; streaming: {streamCpu}");
}

if (results.Count == 2)
{
    Console.WriteLine($"ratio ours / grpc-js: unary {results[0].Unary / results[1].Unary:F2}x, streaming {results[0].Streamed / results[1].Streamed:F2}x");
}

return 0;

int IntOption(string name, int fallback) =>
    StringOption(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

string? StringOption(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "CrdtFieldStore.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Run from inside the repository (CrdtFieldStore.sln not found).");
}
