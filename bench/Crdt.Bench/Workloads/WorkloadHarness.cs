using System.Runtime;

namespace Crdt.Bench.Workloads;

/// <summary>Runs a target for N repetitions and reduces them to medians.</summary>
public static class WorkloadHarness
{
    public static WorkloadReport Run(IWorkloadTarget target, WorkloadOptions options, TextWriter log)
    {
        var inputs = new WorkloadInputs(new WorkloadScale(options.Scale));
        if (options.Scale == 1.0 &&
            (inputs.W1ReferenceDigest != WorkloadInputs.PublishedW1Digest || inputs.W2ReferenceDigest != WorkloadInputs.PublishedW2Digest))
        {
            throw new InvalidOperationException("the workload generator no longer reproduces the published W1/W2 digests");
        }

        var machine = MachineInfo.Current();
        // Discarded warm-ups on a small input first, so that the measured reps run JIT-optimised code.
        // One warm-up is not enough: the tiered JIT recompiles hot methods (instrumented, then optimised)
        // on a background thread after a delay, and a probe showed rep 1's W1 sets running while 1,188
        // methods were recompiled (rep 2: 10, rep 3: none) - on 2 cores that thread takes the timed
        // phase's CPU and the phase runs unoptimised code. So: warm up until a warm-up makes the JIT
        // compile (almost) nothing new, letting it go quiet after each (Timing.Settle also waits for a
        // quiet JIT before every timed phase, at scale 0.1 and above: smaller runs are tests and smoke runs). The workloads, their inputs and timed phases are unchanged.
        Timing.WaitForJit = options.Scale >= 0.1;
        var warmUpInputs = new WorkloadInputs(new WorkloadScale(Math.Min(options.Scale, 0.01)));
        for (int warmUp = 1; warmUp <= 3; warmUp++)
        {
            long before = JitInfo.GetCompiledMethodCount();
            target.RunOnce(warmUpInputs);
            Timing.Settle();
            long compiled = JitInfo.GetCompiledMethodCount() - before;
            log.WriteLine($"{target.Library}: warm-up {warmUp} done ({compiled} methods compiled)");
            if (compiled <= 5) break;
        }
        var runs = new List<WorkloadFigures>();
        Timing.ResetTotals();
        for (int rep = 1; rep <= options.Reps; rep++)
        {
            Timing.Settle();
            long jitBefore = JitInfo.GetCompiledMethodCount();
            runs.Add(target.RunOnce(inputs));
            // Methods compiled during the rep (timed phases and untimed set-up alike): a large count means the
            // rep ran partly unoptimised code.
            log.WriteLine($"{target.Library}: rep {rep}/{options.Reps} done ({JitInfo.GetCompiledMethodCount() - jitBefore} methods compiled)");
        }
        // Where the timed phases' wall time went (the set-up between them is not counted).
        log.WriteLine(Timing.Totals.Describe(target.Library));

        return new WorkloadReport(
            target.Library, options.Target.ToString().ToLowerInvariant(), options.Scale, options.Reps, machine,
            new ExpectedDigests(inputs.W1ReferenceDigest, inputs.W2ReferenceDigest),
            Combine(runs.Select(r => r.W1)), Combine(runs.Select(r => r.W2)),
            Combine(runs.Select(r => r.W3)), Combine(runs.Select(r => r.W4)));
    }

    private static W1Figures? Combine(IEnumerable<W1Figures?> reps)
    {
        var r = reps.OfType<W1Figures>().ToList();
        if (r.Count == 0) return null;
        return new W1Figures(Median(r, x => x.CreateMs), Median(r, x => x.EditMs), Median(r, x => x.EditOpsPerSec),
            (long)Median(r, x => x.EncodedBytes), Same(r, x => x.Digest));
    }

    private static W2Figures? Combine(IEnumerable<W2Figures?> reps)
    {
        var r = reps.OfType<W2Figures>().ToList();
        if (r.Count == 0) return null;
        bool exchanged = r.All(x => x.ApplyMs is not null);
        return new W2Figures(Median(r, x => x.EditMs),
            exchanged ? Median(r, x => x.EncodeMs!.Value) : null,
            exchanged ? (long)Median(r, x => x.UpdateBytes!.Value) : null,
            exchanged ? Median(r, x => x.ApplyMs!.Value) : null,
            exchanged ? Median(r, x => x.ApplyOpsPerSec!.Value) : null,
            exchanged ? r.All(x => x.Equal == true) : null,
            Same(r, x => x.Digest));
    }

    private static W3Figures? Combine(IEnumerable<W3Figures?> reps)
    {
        var r = reps.OfType<W3Figures>().ToList();
        if (r.Count == 0) return null;
        return new W3Figures(Median(r, x => x.EditMs), Median(r, x => x.EncodeMs), Median(r, x => x.MergeMs),
            (long)Median(r, x => x.ExchangeBytes), r.All(x => x.Converged), r.All(x => x.AddsAllPresent));
    }

    private static W4Figures? Combine(IEnumerable<W4Figures?> reps)
    {
        var r = reps.OfType<W4Figures>().ToList();
        if (r.Count == 0) return null;
        return new W4Figures(Median(r, x => x.LoadMs), Median(r, x => x.ReadMs), Median(r, x => x.TotalMs), (long)Median(r, x => x.Bytes));
    }

    public static double Median<T>(IReadOnlyList<T> reps, Func<T, double> value)
    {
        var sorted = reps.Select(value).Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string Same<T>(IReadOnlyList<T> reps, Func<T, string> value)
    {
        var distinct = reps.Select(value).Distinct().ToList();
        return distinct.Count == 1 ? distinct[0] : "differs-between-reps";
    }
}
