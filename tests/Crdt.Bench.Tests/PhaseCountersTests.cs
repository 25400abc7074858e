using System.Diagnostics;
using System.IO.MemoryMappedFiles;
using Crdt.Bench.Workloads;

namespace Crdt.Bench.Tests;

/// <summary>
/// The counters the workloads read around each timed phase (CRDT_BENCH_DIAG and the run's summary line) say
/// what they claim: the thread's own CPU time, its page faults, and the share of wall time spent waiting.
/// </summary>
public sealed class PhaseCountersTests
{
    [Fact]
    public void A_spinning_thread_uses_CPU_time_and_never_more_than_the_wall_time_around_it()
    {
        long wallStart = Stopwatch.GetTimestamp();
        var before = ThreadCounters.BeforePhase();
        long sink = 0;
        while (Stopwatch.GetElapsedTime(wallStart).TotalMilliseconds < 30)
        {
            sink += sink * 31 + 7;
        }
        var after = ThreadCounters.AfterPhase();
        double wallNs = Stopwatch.GetElapsedTime(wallStart).TotalNanoseconds;
        GC.KeepAlive(sink);

        if (!OperatingSystem.IsLinux())
        {
            Assert.Equal(default, after);
            return;
        }
        Assert.True(after.Tid > 0);
        Assert.True(after.CpuNs > before.CpuNs, "spinning used no CPU time: the thread's CPU clock is not read");
        // One thread cannot run longer than the wall time around it (a process-wide figure could).
        Assert.True(after.CpuNs - before.CpuNs <= wallNs, $"{after.CpuNs - before.CpuNs} ns of CPU in {wallNs} ns of wall time");
        Assert.True(after.RunQueueNs >= before.RunQueueNs);
    }

    [Fact]
    public void Touching_fresh_memory_counts_one_minor_fault_per_page()
    {
        const int bytes = 16 << 20;
        var before = ThreadCounters.BeforePhase();
        // A new anonymous mapping: its pages are fresh, each first write faults, as fresh gen0 memory does.
        using var mapping = MemoryMappedFile.CreateNew(null, bytes);
        using var view = mapping.CreateViewAccessor();
        for (int offset = 0; offset < bytes; offset += 4096)
        {
            view.Write(offset, (byte)1);
        }
        var after = ThreadCounters.AfterPhase();

        if (!OperatingSystem.IsLinux())
        {
            Assert.Equal(default, after);
            return;
        }
        // 4,096 pages of 4 KiB; fewer only if the kernel backs them with huge pages (not for shared memory by default).
        Assert.True(after.MinorFaults - before.MinorFaults >= 2_000, $"{after.MinorFaults - before.MinorFaults} minor faults for 4,096 fresh pages");
    }

    [Fact]
    public void A_run_that_waited_for_a_CPU_more_than_5_percent_of_its_wall_time_says_it_was_not_on_an_idle_machine()
    {
        var quiet = default(PhaseTotals).Add(100, (0, 0), (95_000_000, 2_000_000));
        var busy = quiet.Add(100, (0, 0), (40_000_000, 60_000_000));

        Assert.Equal((1, 100.0, 95.0, 2.0), (quiet.Phases, quiet.WallMs, quiet.CpuMs, quiet.RunQueueMs));
        Assert.DoesNotContain("not an idle machine", quiet.Describe("lib"));
        Assert.Equal((2, 200.0, 135.0, 62.0), (busy.Phases, busy.WallMs, busy.CpuMs, busy.RunQueueMs));
        Assert.Contains("not an idle machine", busy.Describe("lib"));
        Assert.Contains("= 135 ms on a CPU + 62 ms waiting for one (31 %) + 3 ms asleep or blocked", busy.Describe("lib"));
        // A wait read just outside the phase (a preemption at the system call that reads it) is not the phase's.
        var edge = default(PhaseTotals).Add(10, (0, 0), (9_000_000, 4_000_000));
        Assert.Equal(1.0, edge.RunQueueMs, 6);
    }
}
