using System.Diagnostics;

namespace Crdt.Board.Tests;

/// <summary>Runs <c>dotnet X.dll args</c> to completion (the relay's operator CLI, a FieldApp command).</summary>
public static class DotnetProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string LastLine => Stdout.TrimEnd().Split('\n')[^1].Trim();
    }

    public static async Task<Result> RunAsync(string dll, params string[] args)
    {
        using var process = Start(dll, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(dll)} {string.Join(' ', args)} did not finish in time");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Like <see cref="RunAsync"/>, but a non-zero exit fails the test with what the command printed.</summary>
    public static async Task<Result> RunOkAsync(string dll, params string[] args)
    {
        var result = await RunAsync(dll, args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(dll)} {string.Join(' ', args)} exited {result.ExitCode}: {result.Stderr}{result.Stdout}");
        }
        return result;
    }

    public static Process Start(string dll, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        // Keep child processes lean on a shared 2-core machine.
        info.Environment["DOTNET_TieredPGO"] = "0";
        info.Environment["DOTNET_gcServer"] = "0";
        return Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
    }
}
