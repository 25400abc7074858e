using System.Runtime;

namespace Crdt.Bench.Workloads;

/// <summary>
/// Waits for the tiered JIT's background recompilation to finish, so that a timed phase neither runs
/// code about to be replaced nor shares the CPU with the compiler.
/// </summary>
public static class JitSettle
{
    /// <summary>
    /// Returns once no method was compiled for <paramref name="quietMs"/> (longer than the runtime's
    /// 100 ms tiering delay), or after <paramref name="maxMs"/> at most.
    /// </summary>
    public static void WaitForQuiet(int quietMs = 300, int maxMs = 5_000)
    {
        var start = Environment.TickCount64;
        long last = JitInfo.GetCompiledMethodCount();
        var quietSince = start;
        while (Environment.TickCount64 - start < maxMs)
        {
            Thread.Sleep(50);
            long now = JitInfo.GetCompiledMethodCount();
            if (now != last)
            {
                last = now;
                quietSince = Environment.TickCount64;
            }
            else if (Environment.TickCount64 - quietSince >= quietMs)
            {
                return;
            }
        }
    }
}
