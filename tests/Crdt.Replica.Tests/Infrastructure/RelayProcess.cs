using Crdt.Testing;

namespace Crdt.Replica.Tests.Infrastructure;

/// <summary>
/// A real relay process (the built Crdt.Relay.dll) serving h2c on 127.0.0.1, with its own data
/// folder. It can be killed hard and started again on the same port and data.
/// </summary>
internal sealed class RelayProcess : IAsyncDisposable
{
    private readonly string dataDirectory;
    private RelayServeProcess? process;

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
        // Disposing kills the process and waits for it to exit.
        process?.DisposeAsync().AsTask().GetAwaiter().GetResult();
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
            try
            {
                process = await RelayServeProcess.StartAsync(
                    ProcessRunner.StartInfo(RepoPaths.RelayDll, ["serve", "--data", dataDirectory, "--listen", $"127.0.0.1:{port}", "--web-listen", "none"]),
                    TimeSpan.FromSeconds(30));
                Port = process.Address.Port;
                return;
            }
            catch (InvalidOperationException) when (attempt < 20)
            {
                // Right after a kill the port may still be held for a moment: retry a few times.
                await Task.Delay(250);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }
}
