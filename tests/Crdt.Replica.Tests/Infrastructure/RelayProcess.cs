using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Crdt.Replica.Tests.Infrastructure;

/// <summary>
/// A real relay process (the built Crdt.Relay.dll) serving h2c on 127.0.0.1, with its own data
/// folder. It can be killed hard and started again on the same port and data.
/// </summary>
internal sealed partial class RelayProcess : IAsyncDisposable
{
    private readonly string dataDirectory;
    private Process? process;

    private RelayProcess(string dataDirectory) => this.dataDirectory = dataDirectory;

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}";

    public static async Task<RelayProcess> StartAsync(string dataDirectory)
    {
        var relay = new RelayProcess(dataDirectory);
        await relay.StartOnAsync(0);
        return relay;
    }

    /// <summary>Registers a device with the operator CLI and returns its token (the CLI's last line).</summary>
    public async Task<string> AddDeviceAsync(string name, string role)
    {
        var result = await ProcessRunner.RunAsync(RepoPaths.RelayDll,
            ["device", "add", "--data", dataDirectory, "--name", name, "--role", role]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"device add {name} failed ({result.ExitCode}): {result.Stderr}{result.Stdout}");
        }
        return result.LastLine;
    }

    /// <summary>SIGKILL: no graceful shutdown, whatever was in flight is cut.</summary>
    public void Kill()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process?.Dispose();
        process = null;
    }

    /// <summary>Starts the relay again on the same port and data folder.</summary>
    public Task RestartAsync()
    {
        Kill();
        return StartOnAsync(Port);
    }

    private async Task StartOnAsync(int port)
    {
        for (var attempt = 0; ; attempt++)
        {
            var started = ProcessRunner.Start(RepoPaths.RelayDll, ["serve", "--data", dataDirectory, "--listen", $"127.0.0.1:{port}", "--web-listen", "none"]);
            var stderr = started.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            string? line;
            try
            {
                while ((line = await started.StandardOutput.ReadLineAsync(timeout.Token)) is not null)
                {
                    var match = ServingLine().Match(line);
                    if (match.Success)
                    {
                        Port = int.Parse(match.Groups[1].Value);
                        process = started;
                        // Keep draining stdout so the relay never blocks on a full pipe.
                        _ = started.StandardOutput.ReadToEndAsync();
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            started.Kill(entireProcessTree: true);
            await started.WaitForExitAsync();
            var error = await stderr;
            started.Dispose();
            // Right after a kill the port may still be held for a moment: retry a few times.
            if (attempt >= 20)
            {
                throw new InvalidOperationException($"the relay did not start on port {port}: {error}");
            }
            await Task.Delay(250);
        }
    }

    [GeneratedRegex(@"relay serving https?://[^:]+:(\d+)")]
    private static partial Regex ServingLine();

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }
}
