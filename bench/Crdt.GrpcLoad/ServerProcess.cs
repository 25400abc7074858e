using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Crdt.GrpcLoad;

/// <summary>A server under load in its own process (so it does not share the client's thread pool), stopped on dispose.</summary>
internal sealed partial class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, string address)
    {
        _process = process;
        Address = address;
    }

    public string Address { get; }

    /// <summary>CPU time the server process has used so far (user + kernel), to report CPU cost per call.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts the process and waits for its "listening on [http://]host:port" line.</summary>
    public static async Task<ServerProcess> StartAsync(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  [{Path.GetFileName(fileName)}] {e.Data}"); };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            var match = ListeningLine().Match(line);
            if (match.Success)
            {
                return new ServerProcess(process, "http://" + match.Groups[1].Value);
            }
        }

        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException($"{fileName} exited before it listened.");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"listening on (?:https?://)?([0-9.]+:\d+)")]
    private static partial Regex ListeningLine();
}
