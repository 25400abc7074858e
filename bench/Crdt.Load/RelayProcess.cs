using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Crdt.Load;

/// <summary>
/// The relay under load, in its own process (<c>Crdt.Relay serve</c> on loopback, SQLite in a
/// temporary folder), so that its CPU time and peak memory are its own and not the devices'.
/// </summary>
internal sealed partial class RelayProcess : IAsyncDisposable
{
    private readonly Process _process;

    private RelayProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int Pid => _process.Id;

    /// <summary>Registers an admin device with the relay's CLI (the operator's way) and returns its token.</summary>
    /// <remarks><paramref name="postgres"/>: the relays' PostgreSQL database, null for SQLite in <paramref name="dataDirectory"/>.</remarks>
    public static async Task<string> RegisterAdminAsync(string dataDirectory, string? postgres, CancellationToken cancellationToken)
    {
        var output = await RunCliAsync(["device", "add", "--data", dataDirectory, "--name", "load-admin", "--role", "admin"], postgres, cancellationToken)
            .ConfigureAwait(false);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length > 0 ? lines[^1] : throw new InvalidOperationException("the relay CLI printed no admin token");
    }

    public static async Task<RelayProcess> StartAsync(string dataDirectory, string? postgres, CancellationToken cancellationToken)
    {
        var process = Process.Start(CliStart(["serve", "--data", dataDirectory, "--listen", "127.0.0.1:0", "--web-listen", "none"], postgres))
            ?? throw new InvalidOperationException("could not start the relay");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false) is { } line)
            {
                if (ServingLine().Match(line) is { Success: true } match)
                {
                    var relay = new RelayProcess(process, new Uri(match.Groups[1].Value));
                    _ = DrainAsync(process.StandardOutput);
                    _ = DrainAsync(process.StandardError);
                    return relay;
                }
            }
            throw new InvalidOperationException($"the relay exited before serving: {await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false)}");
        }
        catch
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>User + system CPU seconds the relay process has used so far (from /proc).</summary>
    public double CpuSeconds()
    {
        _process.Refresh();
        return _process.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>The relay's peak resident set size in bytes (VmHWM).</summary>
    public long PeakRssBytes()
    {
        string status = $"/proc/{_process.Id}/status";
        if (File.Exists(status))
        {
            var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line is not null)
            {
                var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        _process.Refresh();
        return _process.PeakWorkingSet64;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        _process.Dispose();
    }

    private static async Task<string> RunCliAsync(string[] args, string? postgres, CancellationToken cancellationToken)
    {
        using var process = Process.Start(CliStart(args, postgres)) ?? throw new InvalidOperationException("could not start the relay CLI");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0) throw new InvalidOperationException($"relay CLI '{string.Join(' ', args)}' exited {process.ExitCode}: {await stderr.ConfigureAwait(false)}");
        return await stdout.ConfigureAwait(false);
    }

    // Crdt.Relay.dll is copied beside this harness by the project reference. A PostgreSQL connection
    // string goes through the environment (CRDT_RELAY_POSTGRES), out of process listings.
    private static ProcessStartInfo CliStart(IEnumerable<string> args, string? postgres)
    {
        string relayDll = Path.Combine(AppContext.BaseDirectory, "Crdt.Relay.dll");
        if (!File.Exists(relayDll)) throw new FileNotFoundException("Crdt.Relay.dll is not beside the load harness", relayDll);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(relayDll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        if (postgres is not null) start.Environment["CRDT_RELAY_POSTGRES"] = postgres;
        return start;
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
