using System.Diagnostics;

namespace Crdt.Bench.Workloads;

/// <summary>Wall-clock timing of one phase, in milliseconds.</summary>
public static class Timing
{
    public static double Ms(Action phase)
    {
        long start = Stopwatch.GetTimestamp();
        phase();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    public static T Ms<T>(Func<T> phase, out double elapsedMs)
    {
        long start = Stopwatch.GetTimestamp();
        T result = phase();
        elapsedMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return result;
    }

    /// <summary>Collects garbage before a timed phase so one phase's garbage is not billed to the next.</summary>
    public static void Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }
}
