using System.Diagnostics;
using Crdt.Simulation;

// Long runs of what the test command runs briefly:
//   sim  [--seeds N] [--from S] [--steps K] [--seed S --trace]   the deterministic simulation, seeds S..S+N-1
//   fuzz [--requests N] [--seed S]                               the relay input fuzzer
// Exit code 1 when any seed or request found a problem.
var command = args.FirstOrDefault() ?? "sim";
int Option(string name, int fallback) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
var started = Stopwatch.GetTimestamp();
var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
Console.WriteLine($"{Environment.ProcessorCount} cores; {command} {string.Join(' ', args.Skip(1))}");

switch (command)
{
    case "sim":
    {
        var from = Option("--seed", Option("--from", 1));
        var count = args.Contains("--seed") ? 1 : Option("--seeds", 2_000);
        var steps = Option("--steps", 60);
        var failed = 0;
        long edits = 0, ops = 0, deviceCrashes = 0, relayCrashes = 0;
        for (var seed = from; seed < from + count; seed++)
        {
            var result = await Simulation.RunAsync(seed, steps, auditEveryStep: true);
            edits += result.AcknowledgedEdits;
            ops += result.RelayOps;
            deviceCrashes += result.DeviceCrashes;
            relayCrashes += result.RelayCrashes;
            if (args.Contains("--trace")) result.Trace.ForEach(Console.WriteLine);
            if (!result.Passed)
            {
                failed++;
                Console.WriteLine(result.Report());
            }
            else if (count <= 20 || (seed - from + 1) % 100 == 0)
            {
                Console.WriteLine(result);
            }
        }
        Console.WriteLine($"{count} seeds ({from}..{from + count - 1}, {steps} steps each): {failed} failed; {edits} acknowledged edits, " +
            $"{ops} ops at the relay, {deviceCrashes} device crashes, {relayCrashes} relay crashes");
        Finish();
        return failed == 0 ? 0 : 1;
    }
    case "fuzz":
    {
        var seed = Option("--seed", 1);
        var requests = Option("--requests", 1_000_000);
        var report = await Crdt.Simulation.Fuzz.RelayFuzzer.RunAsync(seed, requests, auditEvery: Math.Max(2_000, requests / 50));
        Console.WriteLine(report);
        Finish();
        return report.FindingCount == 0 && report.AuditProblems.Count == 0 ? 0 : 1;
    }
    default:
        Console.Error.WriteLine($"unknown command '{command}': sim or fuzz");
        return 2;
}

void Finish()
{
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
    Console.WriteLine($"wall {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s, CPU {cpu.TotalSeconds:0.0} s");
}
