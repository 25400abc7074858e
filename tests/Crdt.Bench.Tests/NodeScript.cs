using System.Diagnostics;

namespace Crdt.Bench.Tests;

/// <summary>Runs a JavaScript snippet with the real node binary and returns its stdout.</summary>
internal static class NodeScript
{
    public static string Run(string script, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("node", ["--input-type=module", "-e", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("node did not finish within 60 s");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"node exited {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    /// <summary>The repository root (the folder holding CrdtFieldStore.sln).</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CrdtFieldStore.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("CrdtFieldStore.sln not found above the test binaries");
    }
}
