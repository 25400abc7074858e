using System.CommandLine;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using Crdt.Bench.Workloads;

namespace Crdt.Bench;

/// <summary>
/// Entry point of the benchmark suite. Two subcommands:
/// <c>micro [BenchmarkDotNet args...]</c> runs the BenchmarkDotNet classes under Micro/, and
/// <c>workloads [--scale S] [--reps N] [--target memory|replica|relay] --json FILE</c> runs W1–W4
/// from /work/shared/BENCH-WORKLOADS.md and writes their figures.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("CrdtFieldStore benchmarks: BenchmarkDotNet micro benchmarks and the W1-W4 workloads.");
        root.Subcommands.Add(BuildMicroCommand(args));
        root.Subcommands.Add(BuildWorkloadsCommand());
        root.Subcommands.Add(BuildReferenceCommand());
        root.Subcommands.Add(BuildBytesCommand());
        root.Subcommands.Add(BuildCodecCpuCommand());
        root.Subcommands.Add(Compaction.CompactionFigures.Create());
        root.Subcommands.Add(Compaction.DeviceCompactionFigures.Create());
        root.Subcommands.Add(RelayTarget.PushPathFigures.Create());
        root.Subcommands.Add(Memory.ColdLoadFigures.Create());
        return root.Parse(args).Invoke();
    }

    private static Command BuildMicroCommand(string[] rawArgs)
    {
        var micro = new Command("micro", "Run BenchmarkDotNet micro benchmarks; every further argument goes to BenchmarkDotNet (e.g. --filter '*Hlc*').")
        {
            // BenchmarkDotNet owns its own options (--filter, --job, ...): let them through untouched.
            TreatUnmatchedTokensAsErrors = false,
        };
        var passThrough = new Argument<string[]>("benchmarkdotnet-args")
        {
            Description = "Arguments for BenchmarkDotNet.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        micro.Arguments.Add(passThrough);
        micro.SetAction(_ =>
        {
            // Hand BenchmarkDotNet the raw tokens after "micro", in their original order, so that
            // options with values (--filter X) keep their pairing.
            int start = Array.IndexOf(rawArgs, "micro") + 1;
            string[] benchmarkArgs = rawArgs[start..];
            // The generated benchmark project builds the whole dependency tree; on a busy 2-core
            // machine that can exceed BenchmarkDotNet's 2-minute default. (--inProcess skips the build.)
            var config = ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10));
            var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(benchmarkArgs, config);
            // Fail loudly when a benchmark did not build or run (BenchmarkDotNet itself only logs it).
            return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
        });
        return micro;
    }

    private static Command BuildWorkloadsCommand()
    {
        var scale = new Option<double>("--scale")
        {
            Description = "Scale factor for docs and op counts (1 = the published full size).",
            DefaultValueFactory = _ => 1.0,
        };
        var reps = new Option<int>("--reps")
        {
            Description = "Repetitions; every reported time is the median.",
            DefaultValueFactory = _ => 3,
        };
        var target = new Option<WorkloadTarget>("--target")
        {
            Description = "What runs the workloads: memory (Crdt.Core in memory), replica (Crdt.Replica on SQLite), relay (through a relay on loopback).",
            DefaultValueFactory = _ => WorkloadTarget.Memory,
        };
        var json = new Option<FileInfo>("--json")
        {
            Description = "File to write the figures to (JSON with the key names of BENCH-WORKLOADS.md).",
            Required = true,
        };
        var durability = new Option<string>("--replica-durability")
        {
            Description = "replica target: full (fsync per edit, the default) or process-crash-only (synchronous=NORMAL).",
            DefaultValueFactory = _ => "full",
        };
        durability.AcceptOnlyFromAmong("full", "process-crash-only");
        var command = new Command("workloads", "Run W1-W4 and print a table.") { scale, reps, target, json, durability };
        command.SetAction(parse =>
        {
            // Checked here rather than in a validator: validators see options without their defaults.
            if (parse.GetValue(scale) is <= 0 or > 100) return Fail("--scale must be in (0, 100].");
            if (parse.GetValue(reps) < 1) return Fail("--reps must be at least 1.");
            var options = new WorkloadOptions(
                parse.GetValue(scale), parse.GetValue(reps), parse.GetValue(target), parse.GetValue(json)!,
                ReplicaFullDurability: parse.GetValue(durability) == "full");
            return WorkloadCommand.Run(options, Console.Out);
        });
        return command;
    }

    private static Command BuildReferenceCommand()
    {
        var scale = new Option<double>("--scale")
        {
            Description = "Scale factor (1 = full size, where the digests must equal the published ones).",
            DefaultValueFactory = _ => 1.0,
        };
        var command = new Command("reference", "Replay W1 and W2 into plain dictionaries (no CRDT) and print their digests.") { scale };
        command.SetAction(parse =>
        {
            if (parse.GetValue(scale) is <= 0 or > 100) return Fail("--scale must be in (0, 100].");
            var workloadScale = new WorkloadScale(parse.GetValue(scale));
            var w1 = WorkloadGenerator.W1(workloadScale);
            var replay = PlainReplay.OfW1(w1);
            Console.WriteLine($"W1 {replay.Digest()}");
            replay.Apply(WorkloadGenerator.W2(workloadScale));
            Console.WriteLine($"W2 {replay.Digest()}");
            return 0;
        });
        return command;
    }

    private static Command BuildBytesCommand()
    {
        var scale = new Option<double>("--scale")
        {
            Description = "Scale factor (1 = full size).",
            DefaultValueFactory = _ => 1.0,
        };
        var command = new Command("bytes", "Run W1-W3 on the memory target (untimed) and break the encoded bytes down by DocumentSnapshot field.") { scale };
        command.SetAction(parse =>
        {
            if (parse.GetValue(scale) is <= 0 or > 100) return Fail("--scale must be in (0, 100].");
            return Bytes.BytesCommand.Run(parse.GetValue(scale), Console.Out);
        });
        return command;
    }

    private static Command BuildCodecCpuCommand()
    {
        var scale = new Option<double>("--scale") { Description = "Scale factor (1 = full size).", DefaultValueFactory = _ => 1.0 };
        var reps = new Option<int>("--reps") { Description = "Repetitions after one warm-up.", DefaultValueFactory = _ => 10 };
        var phase = new Option<string>("--phase") { Description = "Run only this phase (sets, encode, apply, load, read = load + W4 read, w3encode, w3merge) reps times after the set-up, for instruction counts under valgrind." };
        var command = new Command("codec-cpu", "Process CPU time and allocations of W1 sets, W2 encode/apply, W3 encode and W4 load/read on the memory target (robust on a shared machine).") { scale, reps, phase };
        command.SetAction(parse =>
        {
            if (parse.GetValue(scale) is <= 0 or > 100) return Fail("--scale must be in (0, 100].");
            if (parse.GetValue(reps) < 1) return Fail("--reps must be at least 1.");
            if (parse.GetValue(phase) is { } only) return Bytes.CodecCpuCommand.RunPhase(parse.GetValue(scale), parse.GetValue(reps), only, Console.Out);
            return Bytes.CodecCpuCommand.Run(parse.GetValue(scale), parse.GetValue(reps), Console.Out);
        });
        return command;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }
}
