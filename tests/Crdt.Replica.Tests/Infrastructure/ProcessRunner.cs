using System.Diagnostics;
using Crdt.Testing;

namespace Crdt.Replica.Tests.Infrastructure;

/// <summary>Runs <c>dotnet X.dll args</c> (through the launcher tests and bench share, <see cref="DotnetProcess"/>)
/// and SDK commands, capturing what they printed.</summary>
internal static class ProcessRunner
{
    // Keep child processes lean on a shared 2-core machine.
    private static readonly Dictionary<string, string> Lean = new() { ["DOTNET_TieredPGO"] = "0", ["DOTNET_gcServer"] = "0" };

    public static Task<ProcessResult> RunAsync(string dll, IEnumerable<string> args, TimeSpan? timeout = null) =>
        DotnetProcess.RunAsync(dll, args, Lean, timeout: timeout);

    /// <summary>Runs <c>dotnet args</c> (an SDK command such as pack or build) in <paramref name="workingDirectory"/>.</summary>
    public static async Task<ProcessResult> RunSdkAsync(string workingDirectory, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        return await DotnetProcess.RunAsync(info, timeout);
    }

    /// <summary>Starts the process with redirected output (the caller reads and ends it).</summary>
    public static Process Start(string dll, IEnumerable<string> args) => DotnetProcess.Start(StartInfo(dll, args));

    /// <summary>The start of <c>dotnet <paramref name="dll"/> args</c>, lean.</summary>
    public static ProcessStartInfo StartInfo(string dll, IEnumerable<string> args) => DotnetProcess.StartInfo(dll, args, Lean);
}
