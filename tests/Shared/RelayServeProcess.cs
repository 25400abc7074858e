using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Crdt.Testing;

/// <summary>What a finished child process printed.</summary>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The last line printed on stdout (the CLI prints a new token there).</summary>
    public string LastLine => Stdout.TrimEnd().Split('\n')[^1].Trim();
}

/// <summary>
/// Starts built .NET programs (Crdt.Relay.dll, FieldApp.dll) as child processes, the one way tests
/// and bench do it: <c>dotnet X.dll args</c>, output redirected. This file is compiled into each test and bench project that launches
/// processes (a linked source file: they share no other assembly).
/// </summary>
internal static class DotnetProcess
{
    /// <summary><c>dotnet <paramref name="dll"/> args</c> with output redirected, <paramref name="environment"/> added to
    /// this process's, in <paramref name="workingDirectory"/> (this process's when null).</summary>
    public static ProcessStartInfo StartInfo(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return start;
    }

    public static Process Start(ProcessStartInfo start) =>
        Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName} {string.Join(' ', start.ArgumentList)}");

    /// <summary>Runs the program to its end (killed after <paramref name="timeout"/>, default 60 s) and returns what it printed.</summary>
    public static async Task<ProcessResult> RunAsync(ProcessStartInfo start, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var process = Start(start);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested) throw;
            throw new TimeoutException($"{Path.GetFileName(start.ArgumentList.FirstOrDefault() ?? start.FileName)} {string.Join(' ', start.ArgumentList.Skip(1))} did not finish in time");
        }
        return new ProcessResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    public static Task<ProcessResult> RunAsync(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        RunAsync(StartInfo(dll, args, environment, workingDirectory), timeout, cancellationToken);
}

/// <summary>
/// A running <c>Crdt.Relay serve</c> process: started, awaited until it prints <c>relay serving URL</c>,
/// its output drained from then on (a full pipe would block it), killed hard (SIGKILL) on dispose.
/// </summary>
internal sealed partial class RelayServeProcess : IAsyncDisposable
{
    private readonly Process _process;

    private RelayServeProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    /// <summary>Where it serves, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public Uri Address { get; }

    public int Pid => _process.Id;

    /// <summary>Starts <c>dotnet Crdt.Relay.dll serve ...</c> and waits until it serves; throws with its error output when it exits first or takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<RelayServeProcess> StartAsync(ProcessStartInfo start, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var process = DotnetProcess.Start(start);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            try
            {
                while (await process.StandardOutput.ReadLineAsync(limit.Token).ConfigureAwait(false) is { } line)
                {
                    if (ServingLine().Match(line) is { Success: true } match)
                    {
                        _ = DrainAsync(process.StandardOutput);
                        return new RelayServeProcess(process, new Uri(match.Groups[1].Value));
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException($"the relay did not serve within {timeout.TotalSeconds:0} s");
            }
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw new InvalidOperationException($"the relay exited ({process.ExitCode}) before serving: {await stderr.ConfigureAwait(false)}");
        }
        catch
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>User + system CPU seconds the process has used so far.</summary>
    public double CpuSeconds()
    {
        _process.Refresh();
        return _process.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>SIGTERM, as an operator or a service manager stops it, then waits for it to exit (a
    /// graceful stop: the relay finishes its shutdown work, e.g. its checkpoints); SIGKILL after <paramref name="timeout"/>.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
            await kill.WaitForExitAsync().ConfigureAwait(false);
            using var limit = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Kill();
            }
        }
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no graceful shutdown, whatever was in flight is cut.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is not null)
            {
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    [GeneratedRegex(@"relay serving (\S+)")]
    private static partial Regex ServingLine();
}
